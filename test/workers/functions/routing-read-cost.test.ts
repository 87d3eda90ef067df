/**
 * What the store-move routing costs a live read or write: every call through `RoutedDocumentStore` first
 * reads the tenant's routing from its `TenantDocuments` object (one Durable Object call), so a cutover or
 * rollback takes effect on the next call. Measured inside workerd against the real objects: the same `get`
 * and one-document `upsertMany` on the embedded store, direct, routed per call, and routed with the routing
 * read once per instance (`routingOncePerInstance`, what the Worker's ports use: one read per invocation).
 * Prints one JSON line (`{"bench":"routing-read"…`); asserts only that the paths answer the same. It takes
 * ~10 s in workerd, so it runs with `npm run bench:store-move` (which puts the line under `routing_read`), not
 * in `npm test` (STORE_MOVE_BENCH_DOCUMENTS is 500 there); `routed-document-store.test.ts` covers the behaviour.
 */
import { env } from 'cloudflare:workers';
import type { StoredDocument } from '@promethean/shared/effects/document-store';
import { RoutedDocumentStore } from '@promethean/shared/migrations/store-move/routed-document-store';
import { expect, it } from 'vitest';
import { DurableObjectControlStore } from '../../../functions/storage/durable-object-control-store.ts';
import { readStorageEnv } from '../../../functions/storage/storage-env.ts';
import { documentStoreOn } from '../../../functions/storage/tenant-storage-ports.ts';

const N = 100;
const scope = { provider: 'contract', tenant: `routing-${Math.random().toString(36).slice(2, 8)}` };

function message(i: number, text: string): StoredDocument {
  return {
    ...scope,
    foreign_id: String(1_500_000_000_000_000_000n + BigInt(i)),
    urn: `urn:contract:message:${scope.tenant}:${i}`,
    index: { channel_id: `c${i % 4}` },
    slots: { created: { version: '1', value: { content: `${text} ${i}` } } },
  };
}

async function perCall(n: number, call: (i: number) => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await call(i);
  return (performance.now() - t0) / n;
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;

const benchRun = Number((env as unknown as Record<string, string>).STORE_MOVE_BENCH_DOCUMENTS ?? '500') > 500;

it.runIf(benchRun)(
  'measures what the routing read adds to each routed call on the embedded store',
  async () => {
    const settings = readStorageEnv(env);
    const direct = documentStoreOn(env, scope, 'sqlite', settings);
    const control = new DurableObjectControlStore(env.TENANT_DOCUMENTS, scope.provider, scope.tenant);
    const routed = new RoutedDocumentStore({
      control,
      stores: { sqlite: direct, mongodb: documentStoreOn(env, scope, 'mongodb', settings) },
      configured: 'sqlite',
    });
    const once = new RoutedDocumentStore({
      control,
      stores: { sqlite: direct, mongodb: documentStoreOn(env, scope, 'mongodb', settings) },
      configured: 'sqlite',
      routingOncePerInstance: true,
    });
    await direct.upsertMany(
      'messages',
      Array.from({ length: N }, (_, i) => message(i, 'seed')),
    );
    // Warm both paths (object start, first SQL statements) before timing.
    await perCall(20, (i) => routed.get('messages', message(i, '').foreign_id));
    const routingRead = await perCall(N, () => control.readMeta('document_routing'));
    const getDirect = await perCall(N, (i) => direct.get('messages', message(i, '').foreign_id));
    const getRouted = await perCall(N, (i) => routed.get('messages', message(i, '').foreign_id));
    const getOnce = await perCall(N, (i) => once.get('messages', message(i, '').foreign_id));
    const writeDirect = await perCall(N, (i) => direct.upsertMany('messages', [message(N + i, 'direct')]));
    const writeRouted = await perCall(N, (i) =>
      routed.upsertMany('messages', [message(2 * N + i, 'routed')]),
    );
    const writeOnce = await perCall(N, (i) => once.upsertMany('messages', [message(3 * N + i, 'once')]));
    const result = {
      bench: 'routing-read',
      calls: N,
      routing_read_ms: round(routingRead),
      get_direct_ms: round(getDirect),
      get_routed_ms: round(getRouted),
      upsert_direct_ms: round(writeDirect),
      upsert_routed_ms: round(writeRouted),
      get_routed_once_ms: round(getOnce),
      upsert_routed_once_ms: round(writeOnce),
      get_overhead_pct: Math.round(((getRouted - getDirect) / getDirect) * 100),
      upsert_overhead_pct: Math.round(((writeRouted - writeDirect) / writeDirect) * 100),
      get_once_overhead_pct: Math.round(((getOnce - getDirect) / getDirect) * 100),
      upsert_once_overhead_pct: Math.round(((writeOnce - writeDirect) / writeDirect) * 100),
    };
    console.log(JSON.stringify(result));
    const probe = message(3, '').foreign_id;
    expect(await routed.get('messages', probe)).toEqual(await direct.get('messages', probe));
    expect(await once.get('messages', probe)).toEqual(await direct.get('messages', probe));
    expect(await routed.count('messages')).toBe(4 * N);
  },
);
