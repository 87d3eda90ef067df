import { describe, expect, it } from 'vitest';
import type { StoreMoveState } from '../migrations/store-move/store-move-migration.ts';
import { storeMoveProgress } from '../migrations/store-move/store-move-progress.ts';
import type { LedgerSnapshot } from './ledger-snapshot.ts';
import { metricFamilies } from './metrics-families.ts';
import type { MigrationProgress } from './migration-progress.ts';
import { OpsRecorder } from './ops-recorder.ts';
import { renderPrometheus } from './prometheus-text.ts';

const AT = Date.UTC(2026, 11, 2, 20, 0);

const state: StoreMoveState = {
  kind: 'store-move',
  id: 'm1',
  from: 'sqlite',
  to: 'mongodb',
  phase: 'cdc',
  goal: 'dual_write',
  paused: false,
  collections: ['messages'],
  collection_index: 1,
  cursor: null,
  start_seq: 10,
  cdc_cursor: 14,
  reverse_cursor: null,
  total: 200,
  backfilled: 150,
  pages: 3,
  cdc_entries: 4,
  cdc_applied: 3,
  reverse_applied: 0,
  purged: 0,
  history: [{ phase: 'prepared', at: new Date(AT - 60_000).toISOString() }],
  updated_at: new Date(AT).toISOString(),
};

const scope = { provider: 'discord', tenant: 'duck' };

describe('migration progress in the ops delta and /metrics', () => {
  it('keeps the newest report per migration and adds up errors, also across a failed flush', () => {
    const recorder = new OpsRecorder();
    recorder.migration(storeMoveProgress(scope, state, { lag: 7, at: AT }));
    recorder.migration(
      storeMoveProgress(
        scope,
        { ...state, phase: 'dual_write' },
        { lag: 0, at: AT + 2, errors: 1, lastError: 'x' },
      ),
    );
    // A report taken earlier but recorded later (a slow request) does not roll the phase back.
    recorder.migration(storeMoveProgress(scope, state, { lag: 7, at: AT + 1, errors: 1 }));
    const delta = recorder.takeDelta({ worker: 'w', isolate: 'i', at: AT, health: [] });
    expect(delta.migrations).toEqual([
      expect.objectContaining({ phase: 'dual_write', lag: 0, errors: 2, last_error: 'x', copied: 150 }),
    ]);
    expect(recorder.isEmpty()).toBe(true);
    recorder.restore(delta);
    recorder.migration(storeMoveProgress(scope, { ...state, phase: 'cut_over' }, { lag: 0, at: AT + 3 }));
    const again = recorder.takeDelta({ worker: 'w', isolate: 'i', at: AT, health: [] });
    expect(again.migrations).toEqual([expect.objectContaining({ phase: 'cut_over', errors: 2 })]);
  });

  it('serve phase, progress, lag and errors per tenant migration as Prometheus text', () => {
    const running: MigrationProgress = { ...storeMoveProgress(scope, state, { lag: 7, at: AT }), errors: 3 };
    const text = renderPrometheus(
      metricFamilies({
        generated_at: new Date(AT).toISOString(),
        functions: { isolate: 'i', health: [], in_flight: {}, rejected: {} },
        ledger: { migrations: [running] } as unknown as LedgerSnapshot,
        access: null,
      }),
    );
    const l = 'provider="discord",tenant="duck",kind="store-move",id="m1"';
    expect(text).toContain(
      `promethean_migration_phase{${l},phase="cdc",from="sqlite",to="mongodb",paused="false"} 1`,
    );
    expect(text).toContain(`promethean_migration_documents{${l}} 200`);
    expect(text).toContain(`promethean_migration_backfill_total{${l}} 150`);
    expect(text).toContain(`promethean_migration_progress_ratio{${l}} 0.75`);
    expect(text).toContain(`promethean_migration_cdc_events_total{${l}} 4`);
    expect(text).toContain(`promethean_migration_cdc_applied_total{${l}} 3`);
    expect(text).toContain(`promethean_migration_cdc_lag{${l}} 7`);
    expect(text).toContain(`promethean_migration_errors_total{${l}} 3`);
    expect(text).toContain('# TYPE promethean_migration_backfill_total counter');
  });
});
