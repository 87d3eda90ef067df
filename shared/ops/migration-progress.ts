/**
 * One online migration's progress as an isolate reports it to the ops ledger (a gauge: the newest report
 * wins) plus the errors it met since its last flush (a counter: the ledger adds them up). `/metrics` and
 * the status page's migrations panel read the ledger's merged rows.
 */
import { ReembedLatency } from '@promethean/schemas/jobs/reembed';
import { MigrationFigures } from '@promethean/schemas/jobs/store-move';
import { z } from 'zod';

const count = z.number().int().nonnegative();

export const MigrationKind = z.enum(['store-move', 'reembed']);
export type MigrationKind = z.infer<typeof MigrationKind>;

export const MigrationProgress = z.object({
  provider: z.string().min(1),
  tenant: z.string().min(1),
  kind: MigrationKind,
  id: z.string().min(1).max(80),
  from: z.string().min(1).max(200),
  to: z.string().min(1).max(200),
  ...MigrationFigures.shape,
  /** Errors since the isolate's last flush (the ledger keeps the total). */
  errors: count,
  last_error: z.string().max(300).optional(),
  /** A re-embed's embed and Chroma write latency over its life (a gauge: the newest report's sketches). */
  latency: ReembedLatency.optional(),
  started_at: z.number().int().nonnegative(),
  /** When this report was taken (ms since epoch): an older report never overwrites a newer one. */
  updated_at: z.number().int().nonnegative(),
});
export type MigrationProgress = z.infer<typeof MigrationProgress>;

/** Phases after which a migration does nothing more. */
export const FINISHED_PHASES: ReadonlySet<string> = new Set(['decommissioned', 'rolled_back']);

export const migrationKey = (m: Pick<MigrationProgress, 'provider' | 'tenant' | 'kind' | 'id'>) =>
  `${m.provider}/${m.tenant}/${m.kind}/${m.id}`;

/** Two reports of one migration: the newer one's values, the errors of both. */
export function mergeMigrationProgress(a: MigrationProgress, b: MigrationProgress): MigrationProgress {
  const [older, newer] = a.updated_at <= b.updated_at ? [a, b] : [b, a];
  const lastError = newer.last_error ?? older.last_error;
  return {
    ...newer,
    errors: a.errors + b.errors,
    ...(lastError !== undefined && { last_error: lastError }),
  };
}
