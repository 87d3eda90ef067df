/**
 * The consumer of `promethean-dead-letters`: files every letter in its tenant's archive (one RPC per
 * tenant per batch), and reports each archive's new depth. A group whose archive fails is spilled to R2
 * (dead-letter-spill.ts) and acked; only if the spill fails too is it retried. Nothing is acked unstored.
 */

import { componentTelemetry } from '@promethean/shared/agent/telemetry';
import type { DeadLetter } from '@promethean/shared/broker/queue-body';
import {
  type LetterScope,
  scopeKey,
  scopeOf,
  toDeadLetter,
} from '@promethean/shared/ops/dead-letter-records';
import type { IsolateOps } from '@promethean/shared/ops/isolate-ops';
import { spillLetters } from './dead-letter-spill.ts';
import { deadLetterArchive } from './ops-bindings.ts';

/** A failed archive write is retried after this long; the queue's max_retries bounds it. */
const STORE_RETRY_S = 10;

interface Group {
  scope: LetterScope;
  letters: DeadLetter[];
  messages: Message<unknown>[];
}

function groupByScope(batch: MessageBatch<unknown>): Map<string, Group> {
  const groups = new Map<string, Group>();
  for (const message of batch.messages) {
    const letter = toDeadLetter(message.body, message);
    const scope = scopeOf(letter);
    const key = scopeKey(scope);
    const group = groups.get(key) ?? { scope, letters: [], messages: [] };
    group.letters.push(letter);
    group.messages.push(message);
    groups.set(key, group);
  }
  return groups;
}

export async function consumeDeadLetters(
  batch: MessageBatch<unknown>,
  env: Pick<FunctionsEnv, 'DEAD_LETTER_ARCHIVE' | 'BLOBS'>,
  ops: IsolateOps,
): Promise<void> {
  for (const group of groupByScope(batch).values()) {
    try {
      const result = await deadLetterArchive(env, group.scope).store(group.letters);
      ops.recorder.deadLetterDepth(group.scope.provider, group.scope.tenant, result.depth);
      for (const m of group.messages) {
        m.ack();
        ops.recorder.settled({ queue: batch.queue, settlement: 'ack' });
      }
    } catch (e) {
      const archiveError = (e as Error).message;
      try {
        await spillLetters(env.BLOBS, group.scope, group.letters);
        componentTelemetry('dead-letter-consumer', group.scope).error(
          'dead-letter archive unavailable; letters spilled to R2 (refiled by the cron tick)',
          { archive: scopeKey(group.scope), letters: group.letters.length, error: archiveError },
        );
        for (const m of group.messages) {
          m.ack();
          ops.recorder.settled({ queue: batch.queue, settlement: 'ack' });
        }
        continue;
      } catch (spill) {
        componentTelemetry('dead-letter-consumer', group.scope).error(
          'could not store or spill dead letters; retrying',
          {
            archive: scopeKey(group.scope),
            letters: group.letters.length,
            error: archiveError,
            spill_error: (spill as Error).message,
          },
        );
      }
      for (const m of group.messages) {
        m.retry({ delaySeconds: STORE_RETRY_S });
        ops.recorder.settled({ queue: batch.queue, settlement: 'retry', delaySeconds: STORE_RETRY_S });
      }
    }
  }
}
