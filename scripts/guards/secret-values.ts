/** Guard: a Discord-bot-token-shaped VALUE anywhere outside the access layer, providers.yml included. */
import { isSecretHolder } from './secret-places.ts';
import { matchesWithLines, readTextFile } from './source-text.ts';
import type { Violation } from './violation.ts';

const GUARD = 'secret-values';

/**
 * Discord's documented bot-token shape: base64 of the bot's user id (a 17–20 digit snowflake, so
 * 23–28 characters starting with M, N or O), a dot, a 6–7 character timestamp, a dot, a 27–40
 * character HMAC.
 */
const DISCORD_TOKEN_SHAPE = /\b[MNO][A-Za-z\d_-]{22,27}\.[A-Za-z\d_-]{6,7}\.[A-Za-z\d_-]{27,40}\b/g;

async function scan(root: string, file: string): Promise<Violation[]> {
  const text = await readTextFile(root, file);
  if (text === undefined) return [];
  return matchesWithLines(text, DISCORD_TOKEN_SHAPE).map(({ line }) => ({
    guard: GUARD,
    file,
    line,
    message:
      'a Discord-token-shaped value is committed here (value not echoed); revoke it if it is real. ' +
      'Tests that need a fake token must build it at run time, e.g. by concatenating its three parts',
  }));
}

/** Flags every token-shaped value in any text file outside the access layer. */
export async function secretValues(root: string, files: readonly string[]): Promise<Violation[]> {
  const targets = files.filter((f) => !isSecretHolder(f));
  return (await Promise.all(targets.map((f) => scan(root, f)))).flat();
}
