/**
 * The cron tick's part in re-embeds: a re-embed in dual-write or cut over has writers whose changes reach
 * the other collection only through the change-log tail, so every tick starts a tail chain for each such
 * re-embed the ops ledger knows (the reembedder agent tails from the state's saved cursor until caught
 * up, then the chain stops). The chain id is the tick's minute: isolates ticking together send one chain.
 */

import type { Envelope } from '@promethean/schemas/envelope';
import { ReembedStep } from '@promethean/schemas/jobs/reembed';
import { createEnvelope, randomIds, systemClock } from '@promethean/shared/agent/envelope-factory';
import type { BrokerClient } from '@promethean/shared/broker/broker-client';
import { migrationStepId, tickChainId } from '@promethean/shared/migrations/migration-chain';
import type { MigrationProgress } from '@promethean/shared/ops/migration-progress';

/** Phases whose writers rely on the tail: dual-write (new collection) and after cutover. */
const TAILED_PHASES: ReadonlySet<string> = new Set(['dual_write', 'cut_over']);

/** What the schedule publishes with: one batch when the broker has it (a queue's `sendBatch`). */
export type TailPublisher = Pick<BrokerClient, 'publish'> & {
  publishMany?(envelopes: readonly Envelope[]): Promise<unknown>;
};

/** Sends one tail chain's first step per re-embed that needs it, in one batch; answers how many it sent. */
export async function scheduleReembedTails(
  broker: TailPublisher,
  migrations: readonly MigrationProgress[],
  now: number,
): Promise<number> {
  const chain = tickChainId(now);
  const steps = migrations
    .filter((m) => m.kind === 'reembed' && TAILED_PHASES.has(m.phase))
    .map((m) =>
      createEnvelope(
        ReembedStep,
        { migration_id: m.id, chain, seq: 0 },
        {
          src: 'ops',
          provider: m.provider,
          tenant: m.tenant,
          id: migrationStepId('reembed', m.id, chain, 0),
          clock: systemClock,
          ids: randomIds,
        },
      ),
    );
  if (steps.length === 0) return 0;
  if (broker.publishMany) await broker.publishMany(steps);
  else for (const step of steps) await broker.publish(step);
  return steps.length;
}
