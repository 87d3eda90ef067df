/** Guard: a token-like variable NAME (e.g. `DUCK_BOT_TOKEN`) outside the access layer. */
import { basename, extname } from 'node:path';
import { isSecretHolder, PROVIDERS_CONFIG } from './secret-places.ts';
import { matchesWithLines, readTextFile } from './source-text.ts';
import type { Violation } from './violation.ts';

const GUARD = 'secret-names';

// Markdown is skipped: docs legitimately explain which variables the access Worker needs.
const SOURCE_EXTENSIONS = new Set([
  '.ts',
  '.tsx',
  '.mts',
  '.cts',
  '.js',
  '.jsx',
  '.mjs',
  '.cjs',
  '.json',
  '.jsonc',
  '.toml',
  '.yml',
  '.yaml',
  '.sh',
]);

// UPPER_SNAKE identifiers that name a provider credential, whatever their prefix or suffix.
const SECRET_NAME = /\b[A-Z0-9_]*(?:DISCORD_TOKEN|BOT_TOKEN|CLIENT_SECRET|REFRESH_TOKEN)[A-Z0-9_]*\b/g;

/** Whether the guard reads `file`: code, config, and dotenv-style files such as `.dev.vars.example`. */
export function isScannedSource(file: string): boolean {
  const name = basename(file);
  return SOURCE_EXTENSIONS.has(extname(name)) || name.startsWith('.dev.vars') || name.startsWith('.env');
}

function allowed(file: string): boolean {
  return isSecretHolder(file) || file === PROVIDERS_CONFIG;
}

async function scan(root: string, file: string): Promise<Violation[]> {
  const text = await readTextFile(root, file);
  if (text === undefined) return [];
  return matchesWithLines(text, SECRET_NAME).map(({ match, line }) => ({
    guard: GUARD,
    file,
    line,
    message:
      `${match[0]} names a provider credential outside the access layer; only durable-objects/, voice-host/, ` +
      `${PROVIDERS_CONFIG} and shared/platform/secret-accessor.ts may name token variables`,
  }));
}

/** Flags every secret-like name in a scanned source file outside the allowed places. */
export async function secretNames(root: string, files: readonly string[]): Promise<Violation[]> {
  const targets = files.filter((f) => isScannedSource(f) && !allowed(f));
  return (await Promise.all(targets.map((f) => scan(root, f)))).flat();
}
