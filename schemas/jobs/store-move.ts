/**
 * Queue-driven store moves (docs/data/migration-pipeline.md): each step message runs one idempotent unit
 * of a tenant's move and, while there is more to do, sends the next; progress reports go to the ops ledger.
 */
import { z } from 'zod';
import { defineMessage } from '../message-definition.ts';

const MigrationId = z.string().regex(/^[A-Za-z0-9_.-]{1,80}$/);
const Backend = z.enum(['sqlite', 'mongodb']);
const count = z.number().int().nonnegative();

export const StoreMoveStep = defineMessage({
  intent: 'jobs.migrations.store-move.step',
  area: 'jobs',
  description:
    'Run one step of a tenant store move (and start it first when `start` is given); the next step is sent while there is more to do.',
  payload: z
    .object({
      migration_id: MigrationId,
      /**
       * Which run of steps this is (a new chain starts when an operator moves the goal on after one
       * stopped): with `seq` it names the step's envelope id, so redeliveries dedupe and chains do not.
       */
      chain: z
        .string()
        .regex(/^[A-Za-z0-9_-]{1,40}$/)
        .default('0'),
      /** The step's number in its chain: the next message's envelope id is derived from it (dedupe). */
      seq: count,
      start: z
        .object({
          to: Backend,
          goal: z.enum(['dual_write', 'cut_over', 'decommissioned']).default('dual_write'),
        })
        .strict()
        .optional(),
    })
    .strict(),
});

/**
 * Where an online migration stands: the figures a step reports on the bus and the ops ledger keeps per
 * migration (`shared/ops/migration-progress.ts`), defined once for both.
 */
export const MigrationFigures = z.object({
  phase: z.string().min(1).max(40),
  /** Where the migration stops on its own (the operator moves it on). */
  goal: z.string().min(1).max(40),
  paused: z.boolean(),
  /** Documents counted when the migration started (for progress). */
  total: count,
  /** Documents the backfill copied so far. */
  copied: count,
  /** Change-log entries read, and documents they made the tailer copy (coalesced). */
  cdc_events: count,
  cdc_applied: count,
  /** Change-log entries not yet applied (the CDC lag), when it was reported. */
  lag: count,
  /**
   * A store move's last comparison of both stores (`store-move-verifier.ts`): documents in either store,
   * those equal in both, those that differ after a second read, and when it ran (ms since epoch). Absent
   * before the first comparison, and for re-embeds.
   */
  verification: z
    .object({ documents: count, verified: count, differing: count, at: count })
    .strict()
    .optional(),
});

export const StoreMoveProgressReport = defineMessage({
  intent: 'jobs.migrations.store-move.progress',
  area: 'jobs',
  description:
    'A store move after a step: phase, documents copied, CDC lag; the ops ledger keeps the newest.',
  payload: z
    .object({
      migration_id: MigrationId,
      seq: count,
      from: Backend,
      to: Backend,
      ...MigrationFigures.shape,
      more: z.boolean(),
      started_at: z.string(),
      updated_at: z.string(),
    })
    .strict(),
});
