/** A store move's persisted state as the progress report the ops ledger keeps (`/metrics`, status page). */
import type { MigrationFigures } from '@promethean/schemas/jobs/store-move';
import type { z } from 'zod';
import type { MigrationProgress } from '../../ops/migration-progress.ts';
import type { StoreMoveState } from './store-move-migration.ts';

/** The figures a store move reports, whether on the bus (the store-mover agent) or to the ops ledger. */
export function storeMoveFigures(state: StoreMoveState, lag: number): z.infer<typeof MigrationFigures> {
  return {
    phase: state.phase,
    goal: state.goal,
    paused: state.paused,
    total: state.total,
    copied: state.backfilled,
    cdc_events: state.cdc_entries,
    cdc_applied: state.cdc_applied + state.reverse_applied,
    lag: Math.max(0, Math.trunc(lag)),
    ...(state.verification && { verification: verificationFigures(state.verification) }),
  };
}

function verificationFigures(
  v: NonNullable<StoreMoveState['verification']>,
): NonNullable<z.infer<typeof MigrationFigures>['verification']> {
  const at = Date.parse(v.at);
  return {
    documents: v.documents,
    verified: v.verified,
    differing: v.differing,
    at: Number.isFinite(at) ? at : 0,
  };
}

export function storeMoveProgress(
  scope: { provider: string; tenant: string },
  state: StoreMoveState,
  o: { lag: number; at: number; errors?: number; lastError?: string },
): MigrationProgress {
  const started = Date.parse(state.history[0]?.at ?? state.updated_at);
  return {
    provider: scope.provider,
    tenant: scope.tenant,
    kind: 'store-move',
    id: state.id,
    from: state.from,
    to: state.to,
    ...storeMoveFigures(state, o.lag),
    errors: o.errors ?? 0,
    ...(o.lastError !== undefined && { last_error: o.lastError.slice(0, 300) }),
    started_at: Number.isFinite(started) ? started : o.at,
    updated_at: o.at,
  };
}
