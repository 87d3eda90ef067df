/**
 * The store move's backfill rate on the embedded store, inside workerd against the real stores, with a
 * live writer at 50 documents/s throughout: SQLite (TenantDocuments) → MongoDB-wire and MongoDB-wire →
 * SQLite, each through backfill and CDC to a drained log, then checked for lost and duplicated documents.
 * Baseline in the same run: a plain re-backfill (every document written straight into an empty store in
 * pages of the same size, no checkpoint, no change log tail). Prints one JSON line (`{"bench":"store-move"…`);
 * `npm run bench:store-move -- --json` runs it with 20,000 documents and repeats that line last. Each
 * direction also reports `phase_seconds` (seed, backfill, first CDC pass, drain, verification), so a run at two
 * sizes shows which phase grows faster than the document count. After the drain, drift is planted in the new
 * store behind the move's back (10 seeded documents tombstoned, 10 texts rewritten with a newer slot
 * version, 10 orphan documents); after cutover the verifier must find exactly those and repair them
 * (`planted_drift`, `drift_found`, `drift_repaired`), and a second comparison must find nothing. The test
 * suite runs it with 500 (STORE_MOVE_BENCH_DOCUMENTS) and asserts only correctness, never timing.
 */
import { env } from 'cloudflare:workers';
import type { StoredDocument } from '@promethean/shared/effects/document-store';
import { MemoryControlStore } from '@promethean/shared/migrations/control-store';
import type { DocumentBackend } from '@promethean/shared/migrations/store-move/document-routing';
import { RoutedDocumentStore } from '@promethean/shared/migrations/store-move/routed-document-store';
import {
  StoreMoveMigration,
  type StoreWithLog,
} from '@promethean/shared/migrations/store-move/store-move-migration';
import { expect, it } from 'vitest';
import { readStorageEnv } from '../../../functions/storage/storage-env.ts';
import { documentStoreOn } from '../../../functions/storage/tenant-storage-ports.ts';

const documents = Number((env as unknown as Record<string, string>).STORE_MOVE_BENCH_DOCUMENTS ?? '500');
const PAGE = 500;
const LIVE_PER_SECOND = 50;
/** Drift planted per kind in the new store behind the move's back (tombstones, texts, orphans). */
const PLANTED_PER_KIND = 10;
const run = Math.random().toString(36).slice(2, 8);
const settings = readStorageEnv(env);

function message(tenant: string, id: number, text: string): StoredDocument {
  return {
    provider: 'contract',
    tenant,
    foreign_id: String(1_200_000_000_000_000_000n + BigInt(id)),
    urn: `urn:contract:message:${tenant}:${id}`,
    index: { channel_id: `c${id % 16}`, author_id: `a${id % 97}` },
    slots: { created: { version: '0001', value: { content: `${text} ${id} ${'lorem ipsum '.repeat(8)}` } } },
  };
}

function storesOf(tenant: string): Record<DocumentBackend, StoreWithLog> {
  const scope = { provider: 'contract', tenant };
  return {
    sqlite: documentStoreOn(env, scope, 'sqlite', settings),
    mongodb: documentStoreOn(env, scope, 'mongodb', settings),
  };
}

async function seed(store: StoreWithLog, tenant: string, n: number): Promise<void> {
  for (let i = 0; i < n; i += PAGE) {
    await store.upsertMany(
      'messages',
      Array.from({ length: Math.min(PAGE, n - i) }, (_, k) => message(tenant, i + k, 'seed')),
    );
  }
}

async function ids(store: StoreWithLog): Promise<string[]> {
  const out: string[] = [];
  let cursor: string | null = null;
  do {
    const page = await store.scanPage('messages', cursor, 1000);
    out.push(...page.documents.map((d) => d.foreign_id));
    cursor = page.next;
  } while (cursor !== null);
  return out;
}

/** One move with a live writer; answers its rates and the lost/duplicated counts. */
async function move(from: DocumentBackend, to: DocumentBackend) {
  const tenant = `bench-${from}-${run}`;
  const stores = storesOf(tenant);
  const tSeed = performance.now();
  await seed(stores[from], tenant, documents);
  const seedSeconds = (performance.now() - tSeed) / 1000;
  const control = new MemoryControlStore();
  const ports = new RoutedDocumentStore({ control, stores, configured: from });
  const migration = new StoreMoveMigration({ control, stores, pageSize: PAGE });
  await migration.start({ id: `bench-${run}`, from, to, collections: ['messages'] });
  let live = 0;
  let stop = false;
  // A reader through the whole move, cutover and rollback included: every read must answer.
  let reads = 0;
  let readErrors = 0;
  let reading = true;
  const reader = (async () => {
    while (reading) {
      try {
        await ports.get('messages', message(tenant, reads % documents, '').foreign_id);
        reads++;
      } catch {
        readErrors++;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  const writer = (async () => {
    const started = Date.now();
    while (!stop) {
      // Paced to LIVE_PER_SECOND on average, in small batches, edits of seeded ones among them.
      const due = Math.floor(((Date.now() - started) / 1000) * LIVE_PER_SECOND) - live;
      if (due > 0) {
        const batch = Array.from({ length: due }, (_, k) => message(tenant, documents + live + k, 'live'));
        batch.push({
          ...message(tenant, live % documents, 'edited'),
          slots: { edit: { version: `${live}`.padStart(8, '0'), value: live } },
        });
        await ports.upsertMany('messages', batch);
        live += due;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  const t0 = performance.now();
  let state = await migration.backfill();
  const backfillSeconds = (performance.now() - t0) / 1000;
  // One CDC pass with the writer still running, then the writer stops and the log drains (a tail that
  // is slower than 50 writes/s would otherwise never see a lag of 0).
  state = await migration.tailBatch();
  const firstTailSeconds = (performance.now() - t0) / 1000 - backfillSeconds;
  stop = true;
  await writer;
  const tDrain = performance.now();
  const appliedBeforeDrain = state.cdc_applied;
  while ((await migration.lag(state)) > 0) state = await migration.tailBatch();
  const drainApplied = state.cdc_applied - appliedBeforeDrain;
  const drainSeconds = (performance.now() - tDrain) / 1000;
  const totalSeconds = (performance.now() - t0) / 1000;
  // Behind the pipeline's back, straight into the new store (never in the old store's log, before the
  // cutover's reverse cursor): seeded documents deleted, texts changed, orphan documents inserted.
  const planted = plantedDrift(tenant);
  await stores[to].upsertMany('messages', planted.documents);
  // Dual-write, cutover (its drains, the read flip), then the store-to-store verification.
  await migration.startDualWrite();
  const tCutover = performance.now();
  state = await migration.cutover();
  const cutoverSeconds = (performance.now() - tCutover) / 1000;
  const tCompare = performance.now();
  const found = (await migration.verify({ repair: true })).verification;
  const compareSeconds = (performance.now() - tCompare) / 1000;
  // The comparison after the repair is the "documents verified" figure.
  state = await migration.verify();
  const verification = state.verification;
  const tRollback = performance.now();
  await migration.rollback();
  const rollbackSeconds = (performance.now() - tRollback) / 1000;
  reading = false;
  await reader;
  const tVerify = performance.now();
  const source = await ids(stores[from]);
  const target = await ids(stores[to]);
  const targetSet = new Set(target);
  const lost = source.filter((id) => !targetSet.has(id)).length;
  const duplicated = target.length - targetSet.size;
  const sample = source.filter((_, i) => i % 97 === 0);
  const same =
    JSON.stringify(await stores[to].getMany('messages', sample)) ===
    JSON.stringify(await stores[from].getMany('messages', sample));
  const verifySeconds = (performance.now() - tVerify) / 1000;
  return {
    phase_seconds: {
      seed: round(seedSeconds),
      backfill: round(backfillSeconds),
      first_tail: round(firstTailSeconds),
      drain: round(drainSeconds),
      verify: round(verifySeconds),
      cutover: round(cutoverSeconds),
      compare_stores: round(compareSeconds),
      rollback: round(rollbackSeconds),
    },
    backfilled: state.backfilled,
    backfill_seconds: round(backfillSeconds),
    docs_per_s: Math.round(state.backfilled / backfillSeconds),
    seconds_to_drained: round(totalSeconds),
    live_writes_during: live,
    cdc_applied: state.cdc_applied,
    lost,
    duplicated,
    sample_equal: same,
    drain_applied: drainApplied,
    documents_verified: verification?.verified ?? 0,
    documents_compared: verification?.documents ?? 0,
    documents_differing: verification?.differing ?? -1,
    planted_drift: planted.documents.length,
    drift_found: found?.differing ?? 0,
    drift_found_planted: (found?.differing_ids ?? []).filter((id) => planted.ids.has(id)).length,
    drift_repaired: found?.repaired ?? 0,
    rollback_seconds: round(rollbackSeconds),
    reads_during: reads,
    read_errors: readErrors,
  };
}

/** Seeded documents tombstoned, seeded texts rewritten (a newer slot version), and orphans. */
function plantedDrift(tenant: string): { documents: StoredDocument[]; ids: Set<string> } {
  const n = Math.min(PLANTED_PER_KIND, Math.floor(documents / 3));
  const deleted = Array.from({ length: n }, (_, k) => ({
    ...message(tenant, 3 * k, 'seed'),
    slots: { deleted: { version: '9999', value: true } },
  }));
  const changed = Array.from({ length: n }, (_, k) => ({
    ...message(tenant, 3 * k + 1, 'seed'),
    slots: { created: { version: '9999', value: { content: 'rewritten behind the move' } } },
  }));
  const orphans = Array.from({ length: n }, (_, k) => message(tenant, 5_000_000 + k, 'orphan'));
  const all = [...deleted, ...changed, ...orphans];
  return { documents: all, ids: new Set(all.map((d) => `messages:${d.foreign_id}`)) };
}

/** The baseline: a wipe-and-rebuild writes every document straight into an empty store. */
async function baseline(to: DocumentBackend) {
  const tenant = `bench-base-${to}-${run}`;
  const stores = storesOf(tenant);
  const t0 = performance.now();
  await seed(stores[to], tenant, documents);
  const seconds = (performance.now() - t0) / 1000;
  return { seconds: round(seconds), docs_per_s: Math.round(documents / seconds) };
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

it(
  `moves ${documents} documents each way with live writes, losing and duplicating none`,
  async () => {
    const toMongo = await move('sqlite', 'mongodb');
    const toSqlite = await move('mongodb', 'sqlite');
    const result = {
      bench: 'store-move',
      documents,
      page_size: PAGE,
      live_rate_target: LIVE_PER_SECOND,
      sqlite_to_mongodb: toMongo,
      mongodb_to_sqlite: toSqlite,
      baseline: { into_mongodb: await baseline('mongodb'), into_sqlite: await baseline('sqlite') },
      lost: toMongo.lost + toSqlite.lost,
      duplicated: toMongo.duplicated + toSqlite.duplicated,
      documents_verified: toMongo.documents_verified + toSqlite.documents_verified,
      planted_drift: toMongo.planted_drift + toSqlite.planted_drift,
      drift_found: toMongo.drift_found + toSqlite.drift_found,
      drift_repaired: toMongo.drift_repaired + toSqlite.drift_repaired,
    };
    console.log(JSON.stringify(result));
    expect(result.lost).toBe(0);
    expect(result.duplicated).toBe(0);
    expect(toMongo.sample_equal && toSqlite.sample_equal).toBe(true);
    expect(toMongo.backfilled).toBeGreaterThanOrEqual(documents);
    // After cutover with the writer stopped, every document of either store must compare equal.
    expect(toMongo.documents_differing).toBe(0);
    expect(toSqlite.documents_differing).toBe(0);
    expect(toMongo.documents_verified).toBe(toMongo.documents_compared);
    expect(toMongo.read_errors + toSqlite.read_errors).toBe(0);
    // Exactly the planted drift was found (every named id a planted one) and all of it repaired.
    for (const d of [toMongo, toSqlite]) {
      expect(d.drift_found).toBe(d.planted_drift);
      expect(d.drift_found_planted).toBe(Math.min(d.planted_drift, 50));
      expect(d.drift_repaired).toBe(d.planted_drift);
    }
  },
  30 * 60_000,
);
