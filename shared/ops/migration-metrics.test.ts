import { describe, expect, it } from 'vitest';
import type { ReembedState } from '../migrations/reembed/reembed-migration.ts';
import { reembedProgress } from '../migrations/reembed/reembed-progress.ts';
import type { StoreMoveState } from '../migrations/store-move/store-move-migration.ts';
import { storeMoveProgress } from '../migrations/store-move/store-move-progress.ts';
import { LatencySketch } from './latency-sketch.ts';
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

  it("serve a re-embed's embed and Chroma write latency as summaries (p50, p95, _sum, _count)", () => {
    const embed = new LatencySketch();
    for (const ms of [10, 20, 30, 40, 200]) embed.record(ms);
    const upsert = new LatencySketch();
    for (const ms of [5, 5, 7]) upsert.record(ms);
    const reembed: ReembedState = {
      id: 'r1',
      phase: 'cut_over',
      goal: 'cut_over',
      total: 120,
      from: { name: 'discord__duck__messages', spec: { model: 'old-embed', dimension: 8 } },
      to: { name: 'discord__duck__messages__r1', spec: { model: 'new-embed', dimension: 16 } },
      cursor: '1',
      backfilled: 120,
      pages: 3,
      caught_up: 0,
      cdc: { cursor: 40, entries: 12, reembedded: 5, metadata_only: 1, deleted: 1, unchanged: 5 },
      latency: { embed_ms: embed.toJSON(), chroma_upsert_ms: upsert.toJSON() },
      revision: 9,
      history: [{ phase: 'prepared', at: new Date(AT - 60_000).toISOString() }],
    };
    const text = renderPrometheus(
      metricFamilies({
        generated_at: new Date(AT).toISOString(),
        functions: { isolate: 'i', health: [], in_flight: {}, rejected: {} },
        ledger: {
          migrations: [
            reembedProgress(scope, reembed, { lag: 0, at: AT }),
            storeMoveProgress(scope, state, { lag: 0, at: AT }),
          ],
        } as unknown as LedgerSnapshot,
        access: null,
      }),
    );
    const l = 'provider="discord",tenant="duck",kind="reembed",id="r1"';
    expect(text).toContain(
      `promethean_migration_phase{${l},phase="cut_over",from="old-embed/8",to="new-embed/16",paused="false"} 1`,
    );
    expect(text).toContain(`promethean_migration_cdc_applied_total{${l}} 7`);
    expect(text).toContain('# TYPE promethean_migration_embed_latency_ms summary');
    // Nearest rank within the sketch's 2 %: p50 of 10..40,200 is 30, p95 is 200.
    const p = (q: string) =>
      Number(
        text.match(
          new RegExp(`promethean_migration_embed_latency_ms\\{${l},quantile="${q}"\\} ([\\d.]+)`),
        )![1],
      );
    expect(Math.abs(p('0.5') - 30) / 30).toBeLessThan(0.02);
    expect(p('0.95')).toBe(200);
    expect(text).toContain(`promethean_migration_embed_latency_ms_sum{${l}} 300`);
    expect(text).toContain(`promethean_migration_embed_latency_ms_count{${l}} 5`);
    expect(text).toContain(`promethean_migration_chroma_upsert_latency_ms_count{${l}} 3`);
    // The store move has no latency sketch: no samples for it.
    expect(text).not.toContain(
      'promethean_migration_embed_latency_ms_count{provider="discord",tenant="duck",kind="store-move"',
    );
  });
});
