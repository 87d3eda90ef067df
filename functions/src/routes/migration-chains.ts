/**
 * What the admin routes of every queue-driven migration share: starting a chain of step messages (a fresh
 * chain id per call, so an earlier chain's ids never dedupe this one away) and handing a progress report
 * to the ops ledger at once (an admin route's isolate may serve no queue batch that would flush it).
 */
import { ReembedStep } from '@promethean/schemas/jobs/reembed';
import { StoreMoveStep } from '@promethean/schemas/jobs/store-move';
import { createEnvelope, randomIds, systemClock } from '@promethean/shared/agent/envelope-factory';
import {
  type ChainedMigration,
  migrationStepId,
  newChainId,
} from '@promethean/shared/migrations/migration-chain';
import type { MigrationProgress } from '@promethean/shared/ops/migration-progress';
import { functionsOps } from '../../ops/functions-ops.ts';
import { ledgerPort } from '../../ops/ops-bindings.ts';
import { createFunctionsRuntime } from '../runtime-dependencies.ts';

const STEPS = { 'store-move': StoreMoveStep, reembed: ReembedStep } as const;

/** Publishes step 0 of a new chain for migration `id`; answers the chain id. */
export async function enqueueMigrationChain(
  env: FunctionsEnv,
  kind: ChainedMigration,
  scope: { provider: string; tenant: string },
  id: string,
): Promise<string> {
  const chain = newChainId();
  const step = { migration_id: id, chain, seq: 0 };
  const options = {
    src: 'admin',
    ...scope,
    id: migrationStepId(kind, id, chain, 0),
    clock: systemClock,
    ids: randomIds,
  };
  // Each kind's own definition, so the payload is validated against that kind's step schema.
  const envelope =
    kind === 'reembed'
      ? createEnvelope(STEPS.reembed, step, options)
      : createEnvelope(STEPS['store-move'], step, options);
  await createFunctionsRuntime(env).broker.publish(envelope);
  return chain;
}

/** Records a progress report in this isolate and flushes it to the ledger (one request; never throws). */
export async function reportMigration(env: FunctionsEnv, progress: MigrationProgress): Promise<void> {
  const ops = functionsOps();
  ops.recorder.migration(progress);
  await ops.flush(ledgerPort(env));
}
