/**
 * The dead-letter archive's fallback. When a tenant's DeadLetterArchive cannot take letters (an outage,
 * a bad deploy), the consumer writes them to R2 under `dead-letter-spill/` instead of retrying until the
 * queue gives up and drops them; the cron tick files spilled letters into their archive once it answers
 * again, then deletes them. Keys are the letters' content ids, so spilling or refiling twice is harmless.
 */
import type { DeadLetter } from '@promethean/shared/broker/queue-body';
import { DeadLetter as DeadLetterSchema } from '@promethean/shared/broker/queue-body';
import { type LetterScope, letterId, scopeKey, scopeOf } from '@promethean/shared/ops/dead-letter-records';
import { deadLetterArchive } from './ops-bindings.ts';

export const SPILL_PREFIX = 'dead-letter-spill/';
/** Letters refiled per cron tick, so one tick stays short even after a long outage. */
const REFILE_PER_TICK = 200;

const spillKey = async (scope: LetterScope, letter: DeadLetter) =>
  `${SPILL_PREFIX}${encodeURIComponent(scopeKey(scope))}/${await letterId(letter)}.json`;

/** Writes every letter to R2; throws if any write fails (the caller then retries the messages). */
export async function spillLetters(
  bucket: R2Bucket,
  scope: LetterScope,
  letters: readonly DeadLetter[],
): Promise<void> {
  await Promise.all(
    letters.map(async (letter) =>
      bucket.put(await spillKey(scope, letter), JSON.stringify(letter), {
        httpMetadata: { contentType: 'application/json' },
      }),
    ),
  );
}

export interface RefileReport {
  refiled: number;
  /** Spilled letters still waiting (their archive failed again, or the tick's budget ran out). */
  remaining: boolean;
  failures: number;
}

/** Files spilled letters into their archives and deletes what was filed. */
export async function refileSpilledLetters(
  env: Pick<FunctionsEnv, 'BLOBS' | 'DEAD_LETTER_ARCHIVE'>,
): Promise<RefileReport> {
  const listed = await env.BLOBS.list({ prefix: SPILL_PREFIX, limit: REFILE_PER_TICK });
  const report: RefileReport = { refiled: 0, remaining: listed.truncated, failures: 0 };
  for (const object of listed.objects) {
    const body = await env.BLOBS.get(object.key);
    if (!body) continue;
    const letter = DeadLetterSchema.safeParse(await body.json().catch(() => undefined));
    try {
      if (letter.success) await deadLetterArchive(env, scopeOf(letter.data)).store([letter.data]);
      // An unreadable spill file cannot be filed; it stays for an operator rather than vanishing.
      if (!letter.success) {
        report.failures++;
        continue;
      }
      await env.BLOBS.delete(object.key);
      report.refiled++;
    } catch {
      report.failures++;
      report.remaining = true;
    }
  }
  return report;
}
