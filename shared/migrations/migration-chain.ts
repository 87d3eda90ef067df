/**
 * Queue-driven migrations run as chains of step messages: each step does one idempotent unit and, while
 * there is more to do, sends the next. Envelope ids are derived from (kind, migration, chain, number), so a
 * redelivered step sends the same next message (a chain never forks) and a new chain is never deduped
 * away by an older one's ids. Shared by the store-mover and reembedder agents and the admin routes.
 */

import { NonRetriableError } from '../agent/agent-errors.ts';

export type ChainedMigration = 'store-move' | 'reembed';

export const migrationStepId = (kind: ChainedMigration, id: string, chain: string, seq: number) =>
  `${kind}:${id}:${chain}:step:${seq}`;

export const migrationProgressId = (kind: ChainedMigration, id: string, chain: string, seq: number) =>
  `${kind}:${id}:${chain}:progress:${seq}`;

/** A fresh chain id (an operator's action or a schedule starting steps again). */
export const newChainId = (now = Date.now()) => `c${now.toString(36)}${crypto.randomUUID().slice(0, 6)}`;

/** The chain a scheduled tick starts: one per migration and minute, whichever isolate sends it. */
export const tickChainId = (now: number) => `t${Math.floor(now / 60_000).toString(36)}`;

/**
 * Runs a step; a refusal (an out-of-order request: a second migration while one runs, a finished one)
 * cannot succeed on a retry, so it becomes a `NonRetriableError` naming the tenant.
 */
export async function refusalsAreFinal<T>(
  scope: { provider: string; tenant: string },
  isRefusal: (e: unknown) => e is Error,
  work: () => Promise<T>,
): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (isRefusal(e)) throw new NonRetriableError(e.message, scope, { cause: e });
    throw e;
  }
}
