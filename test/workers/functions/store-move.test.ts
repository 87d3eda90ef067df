/**
 * The CDC change logs and the store move inside workerd, against the real stores: TenantDocuments (Durable
 * Object SQLite) and MongoDocuments (→ the test MongoDB-wire server), through the same ports the agents get
 * (`tenantStoragePorts`): writes keep arriving during the backfill, reads flip at cutover and back at
 * rollback, workers die mid-phase and the next step resumes; nothing is lost or duplicated.
 */
import { env } from 'cloudflare:workers';
import { invokeAgent } from '@promethean/shared/agent/agent-invocation';
import { RecordingSink } from '@promethean/shared/agent/telemetry';
import { ChromaVectorStore } from '@promethean/shared/effects/chroma-vector-store';
import type { DocumentCollection, StoredDocument } from '@promethean/shared/effects/document-store';
import { readRouting, writeRouting } from '@promethean/shared/migrations/reembed/vector-routing';
import type { DocumentBackend } from '@promethean/shared/migrations/store-move/document-routing';
import {
  StoreMoveMigration,
  type StoreMovePhase,
  type StoreWithLog,
} from '@promethean/shared/migrations/store-move/store-move-migration';
import { OpsRecorder } from '@promethean/shared/ops/ops-recorder';
import { ProviderRegistry } from '@promethean/shared/platform/provider-registry';
import { PublishRecorder } from '@promethean/test/harness/recording-runtime';
import { describe, expect, it } from 'vitest';
import { storeMover } from '../../../functions/agents/store-mover/handler.ts';
import { createFunctionsRuntime } from '../../../functions/src/runtime-dependencies.ts';
import { DurableObjectControlStore } from '../../../functions/storage/durable-object-control-store.ts';
import { readStorageEnv } from '../../../functions/storage/storage-env.ts';
import { documentStoreOn, tenantStoragePorts } from '../../../functions/storage/tenant-storage-ports.ts';

const run = Math.random().toString(36).slice(2, 8);
const settings = readStorageEnv(env);

function registryFor(tenant: string, documents: DocumentBackend, vectors: 'chroma' | 'none' = 'none') {
  return ProviderRegistry.fromYaml(`
version: 1
providers:
  contract:
    adapter: echo
    tenants:
      ${tenant}: { storage: { documents: ${documents}, vectors: ${vectors} } }
`).tenant('contract', tenant);
}

function message(tenant: string, id: number, text: string, version = '0001'): StoredDocument {
  return {
    provider: 'contract',
    tenant,
    foreign_id: String(1_000_000 + id),
    urn: `urn:contract:message:${tenant}:${id}`,
    index: { channel_id: `c${id % 4}` },
    slots: { created: { version, value: { content: text } } },
  };
}

function deleted(tenant: string, id: number): StoredDocument {
  return { ...message(tenant, id, ''), slots: { deleted: { version: '9999', value: true } } };
}

/** A store whose next `upsertMany` throws while `kill.armed` (once): a worker killed mid-step. */
function dying(store: StoreWithLog, kill: { armed: boolean }): StoreWithLog {
  const call =
    <K extends keyof StoreWithLog>(name: K) =>
    (...args: unknown[]) =>
      (store[name] as (...a: unknown[]) => unknown).apply(store, args);
  return {
    upsertMany: async (...args: Parameters<StoreWithLog['upsertMany']>) => {
      if (kill.armed) {
        kill.armed = false;
        throw new Error('worker killed');
      }
      return store.upsertMany(...args);
    },
    get: call('get'),
    getMany: call('getMany'),
    find: call('find'),
    count: call('count'),
    changeHead: call('changeHead'),
    changesAfter: call('changesAfter'),
    scanPage: call('scanPage'),
    purge: call('purge'),
  } as StoreWithLog;
}

function stores(tenant: string): Record<DocumentBackend, StoreWithLog> {
  const scope = { provider: 'contract', tenant };
  return {
    sqlite: documentStoreOn(env, scope, 'sqlite', settings),
    mongodb: documentStoreOn(env, scope, 'mongodb', settings),
  };
}

async function allIds(store: StoreWithLog, collection: DocumentCollection): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const page = await store.scanPage(collection, cursor, 500);
    ids.push(...page.documents.map((d) => d.foreign_id));
    cursor = page.next;
  } while (cursor !== null);
  return ids;
}

/** Both stores hold the same documents, each once. */
async function expectInStep(a: StoreWithLog, b: StoreWithLog): Promise<number> {
  const ids = await allIds(a, 'messages');
  expect(new Set(ids).size).toBe(ids.length);
  expect(await allIds(b, 'messages')).toEqual(ids);
  expect(await b.getMany('messages', ids)).toEqual(await a.getMany('messages', ids));
  expect(await b.count('messages', { includeDeleted: true })).toBe(ids.length);
  return ids.length;
}

describe('change logs (workerd)', () => {
  it('TenantDocuments logs each changed document in the transaction of the change, none for a redelivery', async () => {
    const tenant = `log-${run}`;
    const { sqlite } = stores(tenant);
    const head = await sqlite.changeHead();
    await sqlite.upsertMany('messages', [message(tenant, 1, 'a'), message(tenant, 2, 'b')]);
    await sqlite.upsertMany('messages', [message(tenant, 1, 'a'), message(tenant, 2, 'b')]);
    await sqlite.upsertMany('messages', [message(tenant, 2, 'b2', '2'), message(tenant, 2, 'b3', '3')]);
    await sqlite.upsertMany('voice', [message(tenant, 3, 'v')]);
    const entries = await sqlite.changesAfter(head, 100);
    expect(entries.map((e) => [e.seq - head, e.collection, e.foreign_id])).toEqual([
      [1, 'messages', '1000001'],
      [2, 'messages', '1000002'],
      [3, 'messages', '1000002'],
      [4, 'voice', '1000003'],
    ]);
    expect(await sqlite.changeHead()).toBe(head + 4);
  });
});

describe('store move (workerd: SQLite Durable Object ↔ MongoDB-wire)', () => {
  it('moves sqlite → mongodb while writes arrive, flips reads at cutover, resumes after a death in every phase', async () => {
    const tenant = `move-${run}`;
    const view = registryFor(tenant, 'sqlite');
    const ports = () => tenantStoragePorts(env, view);
    for (let b = 0; b < 6; b++) {
      await ports().documents!.upsertMany(
        'messages',
        Array.from({ length: 20 }, (_, i) => message(tenant, b * 20 + i, `seed ${b}`)),
      );
    }
    const real = stores(tenant);
    // The migration's writes die once per phase (either store: after cutover it writes back into SQLite).
    const kill = { armed: false };
    const stepStores = { sqlite: dying(real.sqlite, kill), mongodb: dying(real.mongodb, kill) };
    const control = new DurableObjectControlStore(env.TENANT_DOCUMENTS, 'contract', tenant);
    // Each step is a fresh migration object, as each queue message is.
    const migration = () => new StoreMoveMigration({ control, stores: stepStores, pageSize: 25 });
    await migration().start({ id: `m-${run}`, from: 'sqlite', to: 'mongodb', collections: ['messages'] });

    const diedIn = new Set<StoreMovePhase>();
    let writes = 0;
    const live = async () => {
      // The live writer: new documents, edits of copied and not yet copied ones, deletes.
      const n = writes++;
      await ports().documents!.upsertMany('messages', [
        message(tenant, 500 + n, `live ${n}`),
        message(tenant, (n * 7) % 120, `edit ${n}`, String(10 + n).padStart(4, '0')),
        ...(n % 3 === 0 ? [deleted(tenant, 119 - n)] : []),
      ]);
    };
    const stepUntil = async (done: (phase: StoreMovePhase, more: boolean) => boolean, withWriter = true) => {
      for (let guard = 0; guard < 200; guard++) {
        const before = (await migration().status())!.phase;
        kill.armed = !diedIn.has(before);
        if (withWriter) await live();
        // Every other step has a write racing it.
        const [result] = await Promise.all([
          migration()
            .step()
            .catch((error: unknown) => {
              expect(String(error)).toMatch(/worker killed/);
              diedIn.add(before);
              return undefined;
            }),
          withWriter && guard % 2 === 0 ? live() : undefined,
        ]);
        kill.armed = false;
        if (result && done(result.state.phase, result.more)) return result.state;
      }
      throw new Error('the move did not get there in 200 steps');
    };

    const dual = await stepUntil((phase, more) => phase === 'dual_write' && !more);
    expect(dual.backfilled).toBeGreaterThanOrEqual(120);
    expect(dual.start_seq).not.toBeNull();
    // Reads still come from the old store; writes now land in both.
    await ports().documents!.upsertMany('messages', [message(tenant, 900, 'dual')]);
    expect(await real.mongodb.get('messages', '1000900')).toBeDefined();
    // A marker only MongoDB has (in a collection this move does not copy) shows which store reads hit.
    await real.mongodb.upsertMany('attachments', [message(tenant, 901, 'only in mongodb')]);
    expect(await ports().documents!.get('attachments', '1000901')).toBeUndefined();

    await migration().setGoal('cut_over');
    await stepUntil((phase) => phase === 'cut_over');
    // Reads flipped: the document only MongoDB has is now what the ports answer.
    expect(await ports().documents!.get('attachments', '1000901')).toBeDefined();
    await stepUntil((phase, more) => phase === 'cut_over' && !more && diedIn.has('cut_over'));
    expect([...diedIn].sort()).toEqual(['backfilling', 'cdc', 'cut_over', 'dual_write', 'prepared']);

    // Without the writer, both stores agree: every write made during the move, each once.
    const final = await stepUntil((phase, more) => phase === 'cut_over' && !more, false);
    expect(await expectInStep(real.sqlite, real.mongodb)).toBe(120 + writes + 1);
    expect(final.cdc_applied).toBeGreaterThan(0);
    expect(final.reverse_applied).toBeGreaterThan(0);

    // Rollback from cutover: writes MongoDB took as primary are brought back; reads flip back.
    await real.mongodb.upsertMany('messages', [message(tenant, 960, 'after cutover, mongodb only')]);
    await new StoreMoveMigration({ control, stores: real }).rollback();
    expect(await ports().documents!.get('messages', '1000960')).toBeDefined();
    expect(await real.sqlite.get('messages', '1000960')).toBeDefined();
    await ports().documents!.upsertMany('messages', [message(tenant, 961, 'after rollback')]);
    expect(await real.mongodb.get('messages', '1000961')).toBeUndefined();
  });

  it('rolls back from every phase with reads on the old store and every write in it', async () => {
    const phases: StoreMovePhase[] = ['prepared', 'backfilling', 'cdc', 'dual_write', 'cut_over'];
    for (const phase of phases) {
      const tenant = `rb-${phase.replace('_', '-')}-${run}`;
      const view = registryFor(tenant, 'sqlite');
      const real = stores(tenant);
      const control = new DurableObjectControlStore(env.TENANT_DOCUMENTS, 'contract', tenant);
      const m = new StoreMoveMigration({ control, stores: real, pageSize: 10, onProgress: () => undefined });
      const docs = tenantStoragePorts(env, view).documents!;
      await docs.upsertMany(
        'messages',
        Array.from({ length: 30 }, (_, i) => message(tenant, i, 'seed')),
      );
      await m.start({
        id: `rb-${phase}`,
        from: 'sqlite',
        to: 'mongodb',
        collections: ['messages'],
        goal: 'cut_over',
      });
      for (let guard = 0; guard < 50 && (await m.status())!.phase !== phase; guard++) {
        await docs.upsertMany('messages', [message(tenant, 100 + guard, 'during')]);
        await m.step();
      }
      expect((await m.status())!.phase).toBe(phase);
      await docs.upsertMany('messages', [message(tenant, 999, `written in ${phase}`)]);
      const rolled = await m.rollback();
      expect(rolled.phase).toBe('rolled_back');
      expect(await tenantStoragePorts(env, view).documents!.get('messages', '1000999')).toMatchObject({
        slots: { created: { value: { content: `written in ${phase}` } } },
      });
      expect(await real.sqlite.get('messages', '1000999')).toBeDefined();
      await expect(m.cutover()).rejects.toThrow(/cutover needs dual-write/);
    }
  });

  it('moves mongodb → sqlite through decommission: reads from SQLite, MongoDB purged', async () => {
    const tenant = `back-${run}`;
    const view = registryFor(tenant, 'mongodb');
    const real = stores(tenant);
    const docs = () => tenantStoragePorts(env, view).documents!;
    await docs().upsertMany(
      'messages',
      Array.from({ length: 40 }, (_, i) => message(tenant, i, 'in mongodb')),
    );
    const control = new DurableObjectControlStore(env.TENANT_DOCUMENTS, 'contract', tenant);
    const m = () => new StoreMoveMigration({ control, stores: real, pageSize: 15 });
    await m().start({
      id: `back-${run}`,
      from: 'mongodb',
      to: 'sqlite',
      collections: ['messages'],
      goal: 'decommissioned',
    });
    let k = 0;
    for (let guard = 0; guard < 60; guard++) {
      await docs().upsertMany('messages', [
        message(tenant, 200 + k, 'live'),
        message(tenant, k % 40, 'edit', '5'),
      ]);
      k++;
      const { state, more } = await m().step();
      if (state.phase === 'decommissioned' || !more) break;
    }
    const done = (await m().status())!;
    expect(done.phase).toBe('decommissioned');
    expect(await real.mongodb.count('messages', { includeDeleted: true })).toBe(0);
    expect(await docs().count('messages')).toBe(40 + k);
    expect(await real.sqlite.count('messages')).toBe(40 + k);
    expect(await docs().get('messages', String(1_000_000 + ((k - 1) % 40)))).toMatchObject({
      slots: { created: { value: { content: 'edit' } } },
    });
    await expect(m().rollback()).rejects.toThrow(/decommissioned/);
  });
});

describe('re-embed routing through the ports (workerd, real Chroma)', () => {
  it('search reads the collection the routing names, writes go to both in dual-write, rollback flips back', async () => {
    const tenant = `vec-${run}`;
    const view = registryFor(tenant, 'sqlite', 'chroma');
    const ports = () => tenantStoragePorts(env, view);
    const spec = { model: 'old-embed', dimension: 4 };
    const newSpec = { model: 'new-embed', dimension: 4 };
    const record = (id: string, x: number) => ({
      id,
      embedding: [x, 1, 0, 0],
      document: id,
      metadata: { channel_id: 'c' },
    });
    await ports().vectors!.upsert('messages', [record('a', 1)], spec);
    expect(await ports().vectors!.count('messages')).toBe(1);
    const newName = `contract__${tenant}__messages__v2`;
    const direct = new ChromaVectorStore({
      url: settings.chromaUrl,
      provider: 'contract',
      tenant,
      target: 'test',
      names: { messages: newName },
    });
    await direct.upsert('messages', [record('a', 1), record('b', 2)], newSpec);
    const scope = { provider: 'contract', tenant };
    const oldName = `contract__${tenant}__messages`;
    const documents = ports().documents!;
    // Dual-write with reads still on the old collection: a writer on the new model lands in the new one.
    const r1 = await writeRouting(
      documents,
      scope,
      'messages',
      {
        read: { name: oldName, spec },
        write: [
          { name: oldName, spec },
          { name: newName, spec: newSpec },
        ],
      },
      0,
    );
    await ports().vectors!.upsert('messages', [record('c', 3)], newSpec);
    expect(await ports().vectors!.count('messages')).toBe(1);
    expect(await direct.count('messages')).toBe(3);
    // Cutover: searches answer from the new collection, pinned to the new model.
    const r2 = await writeRouting(
      documents,
      scope,
      'messages',
      {
        read: { name: newName, spec: newSpec },
        write: [
          { name: newName, spec: newSpec },
          { name: oldName, spec },
        ],
      },
      r1.revision,
    );
    expect(await ports().vectors!.count('messages')).toBe(3);
    expect(await ports().vectors!.pinned('messages')).toEqual(newSpec);
    const hits = await ports().vectors!.query('messages', [3, 1, 0, 0], 3);
    expect(hits.map((h) => h.id).sort()).toEqual(['a', 'b', 'c']);
    // Rollback: back on the old collection.
    await writeRouting(
      documents,
      scope,
      'messages',
      { read: { name: oldName, spec }, write: [{ name: oldName, spec }] },
      r2.revision,
    );
    expect((await readRouting(documents, 'messages'))?.read.name).toBe(oldName);
    expect(await ports().vectors!.count('messages')).toBe(1);
    expect(await ports().vectors!.pinned('messages')).toEqual(spec);
  });
});

describe('store-mover agent (workerd, real stores)', () => {
  it('moves sqlite → mongodb from the step messages it sends itself; a redelivered step does not fork the chain', async () => {
    const tenant = `mover-${run}`;
    const registry = ProviderRegistry.fromYaml(`
version: 1
providers:
  contract:
    adapter: echo
    tenants:
      ${tenant}: { storage: { documents: sqlite, vectors: none } }
`);
    const recorder = new PublishRecorder();
    const deps = {
      ...createFunctionsRuntime(env).deps,
      registry,
      broker: recorder,
      sink: new RecordingSink(),
    };
    const both = stores(tenant);
    await both.sqlite.upsertMany(
      'messages',
      Array.from({ length: 30 }, (_, i) => message(tenant, i, `mover ${i}`)),
    );
    const step = (seq: number, id: string, extra: Record<string, unknown> = {}) => ({
      id,
      ts: '2026-12-02T20:00:00.000Z',
      src: 'admin',
      dst: `promethean.p.contract.t.${tenant}.jobs.migrations.store-move.step`,
      provider: 'contract',
      tenant,
      intent: 'jobs.migrations.store-move.step',
      payload: { migration_id: 'q1', chain: 'c1', seq, ...extra },
    });
    const ops = new OpsRecorder();
    let next: unknown = step(0, 'store-move:q1:c1:step:0', { start: { to: 'mongodb' } });
    let steps = 0;
    while (next !== undefined && steps < 40) {
      recorder.published.length = 0;
      expect((await invokeAgent(storeMover, next, deps)).outcome).toBe('ok');
      steps++;
      for (const e of recorder.published) ops.storeMoveProgress(e as never);
      const sent = recorder.published.filter((e) => e.intent === 'jobs.migrations.store-move.step');
      if (steps === 2) {
        // The same step delivered again (a retry after the ack was lost) sends the same next message.
        const again = new PublishRecorder();
        await invokeAgent(storeMover, next, { ...deps, broker: again });
        const resent = again.published.filter((e) => e.intent === 'jobs.migrations.store-move.step');
        expect(resent.map((e) => e.id)).toEqual(sent.map((e) => e.id));
      }
      // A live write between steps: the CDC phase has to carry it over.
      if (steps === 3) await both.sqlite.upsertMany('messages', [message(tenant, 99, 'late')]);
      next = sent[0];
    }
    expect(steps).toBeLessThan(40);
    expect(await both.mongodb.count('messages')).toBe(31);
    expect((await both.mongodb.get('messages', String(1_000_099)))?.slots.created?.value).toEqual({
      content: 'late',
    });
    const [progress] = ops.takeDelta({ worker: 'w', isolate: 'i', at: 0, health: [] }).migrations ?? [];
    expect(progress).toMatchObject({
      provider: 'contract',
      tenant,
      kind: 'store-move',
      id: 'q1',
      phase: 'dual_write',
      lag: 0,
    });
    expect(progress!.copied).toBeGreaterThanOrEqual(30);
  });
});

describe('store move admin routes (workerd)', () => {
  const ADMIN = 'store-move-test-admin-token-0123456789abcdef012345';
  const adminEnv = { ...env, ADMIN_TOKEN: ADMIN } as FunctionsEnv;
  const headers = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };
  const path = '/admin/migrations/echo/demo/store-move';
  const call = async (suffix: string, init: RequestInit = {}) => {
    const { app } = await import('../../../functions/src/http-app.ts');
    const res = await app.request(`${path}${suffix}`, { headers, ...init }, adminEnv);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('starts, steps, cuts over and rolls back a move through /admin, refusing out-of-order and unauthenticated calls', async () => {
    const { app } = await import('../../../functions/src/http-app.ts');
    expect((await app.request(path, {}, adminEnv)).status).toBe(401);
    const docs = tenantStoragePorts(
      env,
      ProviderRegistry.fromYaml(providersYamlForDemo()).tenant('echo', 'demo'),
    ).documents!;
    await docs.upsertMany(
      'messages',
      Array.from({ length: 12 }, (_, i) => ({ ...message('demo', i, 'route'), provider: 'echo' })),
    );
    const started = await call('', {
      method: 'POST',
      body: JSON.stringify({ id: `route-${run}`, to: 'mongodb', goal: 'dual_write', page_size: 5 }),
    });
    expect(started.status).toBe(202);
    expect(started.body.state).toMatchObject({ phase: 'prepared', from: 'sqlite', to: 'mongodb' });
    expect((await call('/decommission-now', { method: 'POST' })).status).toBe(404);
    let more = true;
    for (let guard = 0; guard < 30 && more; guard++) {
      const step = await call('/step', { method: 'POST' });
      expect(step.status).toBe(200);
      more = step.body.more as boolean;
    }
    const dual = await call('');
    expect(dual.body).toMatchObject({ state: { phase: 'dual_write' }, lag: 0, progress: 1 });
    expect(dual.body.routing).toMatchObject({ read: 'sqlite', write: ['sqlite', 'mongodb'] });
    expect((await call('/cutover', { method: 'POST' })).body).toMatchObject({ state: { goal: 'cut_over' } });
    // Cutover, then (caught up) the comparison of both stores; then the chain has nothing more to do.
    more = true;
    for (let guard = 0; guard < 10 && more; guard++)
      more = (await call('/step', { method: 'POST' })).body.more as boolean;
    const cut = await call('');
    expect(cut.body).toMatchObject({
      state: { phase: 'cut_over', verification: { differing: 0 } },
      routing: { read: 'mongodb' },
    });
    // A document changed in the new store behind the move's back: the repair action finds and restores it.
    const mongo = documentStoreOn(
      adminEnv,
      { provider: 'echo', tenant: 'demo' },
      'mongodb',
      readStorageEnv(adminEnv),
    );
    const victim = { ...message('demo', 4, 'route'), provider: 'echo' };
    await mongo.upsertMany('messages', [{ ...victim, slots: { deleted: { version: '9999', value: true } } }]);
    const repaired = await call('/repair', { method: 'POST' });
    expect(repaired.body).toMatchObject({
      state: {
        verification: { differing: 1, repaired: 1, differing_ids: [`messages:${victim.foreign_id}`] },
      },
    });
    expect((await call('/verify', { method: 'POST' })).body).toMatchObject({
      state: { verification: { differing: 0 } },
    });
    expect(await mongo.get('messages', victim.foreign_id)).toEqual(
      await docs.get('messages', victim.foreign_id),
    );
    const rolled = await call('/rollback', { method: 'POST' });
    expect(rolled.body).toMatchObject({ state: { phase: 'rolled_back' } });
    expect((await call('')).body.routing).toMatchObject({ read: 'sqlite', write: ['sqlite'] });
    expect((await call('/step', { method: 'POST' })).body).toMatchObject({ more: false });

    // Every call reported to the ops ledger: /metrics and the status page's panel show how the move ended.
    const auth = { headers: { authorization: `Bearer ${ADMIN}` } };
    const metrics = await (await app.request('/metrics', auth, adminEnv)).text();
    const l = `provider="echo",tenant="demo",kind="store-move",id="route-${run}"`;
    expect(metrics).toContain(
      `promethean_migration_phase{${l},phase="rolled_back",from="sqlite",to="mongodb"`,
    );
    expect(metrics).toMatch(new RegExp(`promethean_migration_backfill_total\\{${l}\\} (1[2-9]|[2-9]\\d)\\n`));
    expect(metrics).toContain(`promethean_migration_errors_total{${l}} 0`);
    // The step after cutover compared both stores: its figures outlive the rollback.
    const verified = Number(
      new RegExp(`promethean_migration_documents_verified\\{${l}\\} (\\d+)\\n`).exec(metrics)?.[1],
    );
    expect(verified).toBeGreaterThanOrEqual(12);
    expect(metrics).toContain(`promethean_migration_documents_compared{${l}} ${verified}\n`);
    expect(metrics).toContain(`promethean_migration_documents_differing{${l}} 0\n`);
    const at = Number(
      new RegExp(`promethean_migration_verified_seconds\\{${l}\\} (\\d+)\\n`).exec(metrics)?.[1],
    );
    expect(Math.abs(at - Date.now() / 1000)).toBeLessThan(600);
    const panels = await (await app.request('/status/panels', auth, adminEnv)).text();
    const row = panels.slice(panels.indexOf(`data-migration="echo/demo/store-move/route-${run}"`));
    expect(row).toContain('rolled_back');
    expect(row.slice(0, row.indexOf('</tr>'))).toContain(`verified ${verified} / ${verified}, 0 differing`);
  });
});

/** The demo tenant as providers.yml declares it (sqlite, the default store). */
function providersYamlForDemo(): string {
  return `
version: 1
providers:
  echo:
    adapter: echo
    tenants:
      demo: {}
`;
}
