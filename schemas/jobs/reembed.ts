/**
 * Queue-driven re-embeds (docs/data/migration-pipeline.md): each step message runs one idempotent unit of
 * a tenant's re-embed (a backfill page, the catch-up, cutover, decommission, or a change-log tail) and,
 * while there is more to do, sends the next; progress reports go to the ops ledger.
 */
import { z } from 'zod';
import { defineMessage } from '../message-definition.ts';
import { MigrationFigures } from './store-move.ts';

const MigrationId = z.string().regex(/^[A-Za-z0-9_.-]{1,80}$/);
const count = z.number().int().nonnegative();

/** A mergeable latency sketch (`shared/ops/latency-sketch.ts` `SketchData`). */
export const LatencySketchData = z.object({
  zero: count,
  buckets: z.record(z.string().regex(/^-?\d+$/), count),
  count,
  sum: z.number().nonnegative(),
  max: z.number().nonnegative(),
});

/** A re-embed's own model and Chroma write latency, summed over its life. */
export const ReembedLatency = z.object({
  embed_ms: LatencySketchData,
  chroma_upsert_ms: LatencySketchData,
});

export const ReembedStep = defineMessage({
  intent: 'jobs.migrations.reembed.step',
  area: 'jobs',
  description:
    'Run one step of a tenant re-embed (and start it first when `start` is given); the next step is sent while there is more to do.',
  payload: z
    .object({
      migration_id: MigrationId,
      /** Which run of steps this is: with `seq` it names the step's envelope id (redeliveries dedupe). */
      chain: z
        .string()
        .regex(/^[A-Za-z0-9_-]{1,40}$/)
        .default('0'),
      seq: count,
      start: z
        .object({
          model: z.string().min(1).max(200),
          dimension: z.number().int().positive().max(16_384),
          goal: z.enum(['dual_write', 'cut_over', 'decommissioned']).default('dual_write'),
        })
        .strict()
        .optional(),
    })
    .strict(),
});

export const ReembedProgressReport = defineMessage({
  intent: 'jobs.migrations.reembed.progress',
  area: 'jobs',
  description:
    'A re-embed after a step: phase, messages embedded, CDC lag, embed and Chroma write latency; the ops ledger keeps the newest.',
  payload: z
    .object({
      migration_id: MigrationId,
      seq: count,
      /** `model/dimension` of the old and the new collection. */
      from: z.string().min(1).max(200),
      to: z.string().min(1).max(200),
      ...MigrationFigures.shape,
      latency: ReembedLatency.optional(),
      more: z.boolean(),
      started_at: z.string(),
      updated_at: z.string(),
    })
    .strict(),
});
