import type { LogRecord } from '@promethean/shared/agent/telemetry';
import type { StoredDocument } from '@promethean/shared/effects/document-store';
import { MemoryDocumentStore } from '@promethean/shared/effects/memory-document-store';
import { tailOnce } from '@promethean/shared/migrations/cdc/change-tailer';
import { MemoryControlStore } from '@promethean/shared/migrations/control-store';
import { writeDocumentRouting } from '@promethean/shared/migrations/store-move/document-routing';
import { RoutedDocumentStore } from '@promethean/shared/migrations/store-move/routed-document-store';
import type { LedgerSnapshot } from '@promethean/shared/ops/ledger-snapshot';
import { metricFamilies } from '@promethean/shared/ops/metrics-families';
import { OpsRecorder } from '@promethean/shared/ops/ops-recorder';
import { renderPrometheus } from '@promethean/shared/ops/prometheus-text';
import { describe, expect, it } from 'vitest';
import { dualWriteHooks } from './dual-write-hooks.ts';

const scope = { provider: 'discord', tenant: 'duck' };
const AT = Date.UTC(2026, 11, 3, 0, 30);

const message = (id: string): StoredDocument => ({
  ...scope,
  foreign_id: id,
  urn: `urn:discord:message:duck:${id}`,
  index: { channel_id: 'c1' },
  slots: { created: { version: '1', value: { content: `m${id}` } } },
});

describe('a dual-write whose second write fails', () => {
  it('is logged and counted in /metrics, and the CDC tail copies it once the second store answers', async () => {
    const control = new MemoryControlStore();
    await writeDocumentRouting(control, null, { read: 'sqlite', write: ['sqlite', 'mongodb'] });
    const primary = new MemoryDocumentStore(scope);
    const secondary = new MemoryDocumentStore(scope);
    let down = true;
    const flaky = new Proxy(secondary, {
      get(target, prop) {
        if (prop === 'upsertMany' && down) return async () => Promise.reject(new Error('mongo down'));
        const value = Reflect.get(target, prop, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const recorder = new OpsRecorder();
    const logged: LogRecord[] = [];
    const hooks = dualWriteHooks(scope, (store, n) => recorder.dualWriteFailed(store, n), {
      write: (r) => logged.push(r),
    });
    const routed = new RoutedDocumentStore({
      control,
      stores: { sqlite: primary, mongodb: flaky },
      configured: 'sqlite',
      onSecondaryFailure: (backend, collection, error, n) =>
        hooks.onSecondaryDocumentWriteFailure?.(backend, collection, n, error),
    });

    // The first write lands, so the call succeeds (no redelivery); the second is counted, not dropped.
    expect(await routed.upsertMany('messages', [message('1'), message('2')])).toEqual({
      written: 2,
      unchanged: 0,
    });
    hooks.onSecondaryVectorWriteFailure?.(
      'messages',
      'messages-v2',
      ['1', '2', '3'],
      new Error('chroma down'),
    );
    expect(logged.map((r) => [r.level, r.msg])).toEqual([
      ['warn', "second document write failed; the store move's CDC will copy it"],
      ['warn', "second vector write failed; the re-embed's tail will copy it"],
    ]);
    expect(logged[0]).toMatchObject({ provider: 'discord', tenant: 'duck' });

    const delta = recorder.takeDelta({ worker: 'functions', isolate: 'i', at: AT, health: [] });
    expect(delta.ops).toMatchObject({ dual_write_failed_documents: 2, dual_write_failed_vectors: 3 });
    const text = renderPrometheus(
      metricFamilies({
        generated_at: new Date(AT).toISOString(),
        functions: { isolate: 'i', health: [], in_flight: {}, rejected: {} },
        ledger: {
          platform_ops: { by_worker: [{ worker: 'functions', ...delta.ops }] },
        } as unknown as LedgerSnapshot,
        access: null,
      }),
    );
    expect(text).toContain('promethean_dual_write_failures_total{worker="functions",store="documents"} 2');
    expect(text).toContain('promethean_dual_write_failures_total{worker="functions",store="vectors"} 3');

    // The retry is the primary's change log: the migration's tail copies both documents.
    down = false;
    const batch = await tailOnce(primary, 0, async (collection, ids) => {
      await flaky.upsertMany(collection, await primary.getMany(collection, ids));
    });
    expect(batch.applied).toBe(2);
    expect(await secondary.getMany('messages', ['1', '2'])).toEqual(
      await primary.getMany('messages', ['1', '2']),
    );
  });
});
