/** A re-embed's persisted state as the progress report the ops ledger keeps (`/metrics`, status page). */
import type { MigrationFigures } from '@promethean/schemas/jobs/store-move';
import type { z } from 'zod';
import type { MigrationProgress } from '../../ops/migration-progress.ts';
import type { ReembedState } from './reembed-migration.ts';

export const specLabel = (c: ReembedState['from']) => `${c.spec.model}/${c.spec.dimension}`;

/** The figures a re-embed reports, whether on the bus (the reembedder agent) or to the ops ledger. */
export function reembedFigures(state: ReembedState, lag: number): z.infer<typeof MigrationFigures> {
  const cdc = state.cdc;
  return {
    phase: state.phase,
    goal: state.goal ?? 'dual_write',
    paused: false,
    total: state.total ?? state.backfilled,
    copied: state.backfilled,
    cdc_events: (cdc?.entries ?? 0) + (state.back?.entries ?? 0),
    cdc_applied:
      (cdc ? cdc.reembedded + cdc.metadata_only + cdc.deleted : 0) +
      (state.back ? state.back.reembedded + state.back.metadata_only + state.back.deleted : 0),
    lag: Math.max(0, Math.trunc(lag)),
  };
}

export function reembedProgress(
  scope: { provider: string; tenant: string },
  state: ReembedState,
  o: { lag: number; at: number; errors?: number; lastError?: string },
): MigrationProgress {
  const first = state.history[0]?.at;
  const started = first === undefined ? Number.NaN : Date.parse(first);
  return {
    provider: scope.provider,
    tenant: scope.tenant,
    kind: 'reembed',
    id: state.id,
    from: specLabel(state.from),
    to: specLabel(state.to),
    ...reembedFigures(state, o.lag),
    errors: o.errors ?? 0,
    ...(o.lastError !== undefined && { last_error: o.lastError.slice(0, 300) }),
    ...(state.latency && { latency: state.latency }),
    started_at: Number.isFinite(started) ? started : o.at,
    updated_at: o.at,
  };
}
