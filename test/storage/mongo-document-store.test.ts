import type { StoredDocument } from '@promethean/shared/effects/document-store';
import type { DocumentScope } from '@promethean/shared/effects/document-validation';
import { type MongoDocumentRecord, mongoDatabaseName } from '@promethean/shared/effects/mongo-document-codec';
import {
  MAX_ROUNDS,
  MongoDocumentStore,
  REPLACE_BY_DELETE_MIN,
} from '@promethean/shared/effects/mongo-document-store';
import { type SlotRecord, slotRecordsOf } from '@promethean/shared/effects/mongo-slot-log';
import { dataContracts, MONGO_PAGE_INDEXES } from '@promethean/shared/migrations/contracts/contract-catalog';
import type { DocumentCollectionContract } from '@promethean/shared/migrations/contracts/data-contract';
import { type Collection, MongoClient } from 'mongodb';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../servers/free-port.ts';
import { describeDocumentStoreContract } from './document-store-contract.ts';

const { mongoUri, mongoKind } = inject('storageServers');
const client = new MongoClient(mongoUri, { ignoreUndefined: true });
afterAll(() => client.close());

async function uniqueIndexes(scope: DocumentScope, collection: string): Promise<string[][]> {
  const indexes = await client
    .db(mongoDatabaseName(scope.provider, scope.tenant))
    .collection(collection)
    .indexes();
  return indexes.filter((i) => i.unique).map((i) => Object.keys(i.key));
}

describeDocumentStoreContract(`MongoDB adapter from Node (${mongoKind})`, {
  store: (scope) => new MongoDocumentStore(client, scope, { target: 'test' }),
  uniqueIndexes,
});

const run = Math.random().toString(36).slice(2, 8);
const scopeFor = (label: string): DocumentScope => ({
  provider: 'contract',
  tenant: `mongo-${label}-${run}`,
});

function jobDoc(scope: DocumentScope, slot: string): StoredDocument {
  return {
    ...scope,
    foreign_id: 'backfill:1',
    urn: `urn:contract:job:${scope.tenant}:backfill:1`,
    index: { kind: 'backfill' },
    slots: { [slot]: { version: '1', value: { slot } } },
  };
}

/**
 * A client on which a rival writer logs a slot of its own right before each of our document writes and
 * then vanishes without rewriting the document (as a writer killed mid-merge would): our write is then
 * stale, and only the check after it can notice.
 */
function clientWithRival(rivalRounds: number): MongoClient {
  let rounds = 0;
  const wrap = (col: Collection<MongoDocumentRecord>, log: Collection<SlotRecord>, scope: DocumentScope) =>
    new Proxy(col, {
      get(target, prop) {
        if (prop === 'bulkWrite') {
          return async (...args: Parameters<typeof target.bulkWrite>) => {
            if (rounds < rivalRounds) {
              rounds++;
              await log.insertMany(slotRecordsOf(jobDoc(scope, `rival.${rounds}`), Date.now(), 0));
            }
            return target.bulkWrite(...args);
          };
        }
        const value = Reflect.get(target, prop, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  return {
    db: (name: string) => {
      const db = client.db(name);
      return {
        collection: (c: string) => {
          if (c.endsWith('.slots')) return db.collection(c);
          const [provider, tenant] = ['contract', name.replace('promethean_contract_', '')];
          return wrap(db.collection<MongoDocumentRecord>(c), db.collection<SlotRecord>(`${c}.slots`), {
            provider,
            tenant,
          });
        },
      };
    },
  } as unknown as MongoClient;
}

/** A client that counts the `find` calls made on each collection (reads of logs and of records). */
function clientCountingReads(): { client: MongoClient; reads: Map<string, number> } {
  const reads = new Map<string, number>();
  const counted = (name: string, col: Collection) =>
    new Proxy(col, {
      get(target, prop) {
        if (prop === 'find') reads.set(name, (reads.get(name) ?? 0) + 1);
        const value = Reflect.get(target, prop, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  const wrapped = {
    db: (name: string) => ({ collection: (c: string) => counted(c, client.db(name).collection(c)) }),
  } as unknown as MongoClient;
  return { client: wrapped, reads };
}

describe('MongoDocumentStore specifics', () => {
  it('indexes the near-duplicate fields of pages (as the contract declares), and of no other collection', async () => {
    const scope = scopeFor('pageidx');
    const store = new MongoDocumentStore(client, scope, { target: 'test' });
    const page: StoredDocument = {
      ...scope,
      foreign_id: 'p1',
      urn: `urn:contract:page:${scope.tenant}:p1`,
      index: { content_sha256: 'h', lead: 'l', sim0: 'a', sim1: 'b', sim2: 'c', sim3: 'd' },
      slots: { crawl: { version: '1', value: {} } },
    };
    await store.upsertMany('pages', [page]);
    await store.upsertMany('jobs', [jobDoc(scope, 'request.000001')]);
    const db = client.db(store.databaseName);
    const names = async (c: string) => (await db.collection(c).indexes()).map((i) => i.name ?? '').sort();
    const declared = (
      dataContracts().get('documents.pages.contract.json') as DocumentCollectionContract
    ).mongodb.indexes.map((i) => i.name);
    expect(await names('pages')).toEqual(['_id_', ...declared].sort());
    expect(MONGO_PAGE_INDEXES.every((i) => declared.includes(i.name))).toBe(true);
    expect((await names('jobs')).filter((n) => n.includes('sim0'))).toEqual([]);
    expect(await store.find('pages', { sim2: 'c' })).toHaveLength(1);
  });

  it('keeps each tenant in promethean_<provider>_<tenant>: one record per document, every slot in the log', async () => {
    const scope = scopeFor('layout');
    const store = new MongoDocumentStore(client, scope, { target: 'test' });
    await store.upsertMany('jobs', [jobDoc(scope, 'request.000001')]);
    expect(store.databaseName).toBe(`promethean_contract_${scope.tenant}`);
    const db = client.db(store.databaseName);
    expect(await db.collection('jobs').findOne({}, { projection: { _id: 0 } })).toEqual({
      ...scope,
      foreign_id: 'backfill:1',
      urn: `urn:contract:job:${scope.tenant}:backfill:1`,
      sort_key: '~backfill:1',
      index: { kind: 'backfill' },
      slots_json: JSON.stringify({ 'request.000001': { version: '1', value: { slot: 'request.000001' } } }),
      deleted: false,
    });
    const logged = await db.collection<SlotRecord>('jobs.slots').find({}).toArray();
    expect(logged.map((r) => [r._id, r.slot, r.version, r.value_json])).toEqual([
      [
        JSON.stringify(['contract', scope.tenant, 'backfill:1', 'request.000001', '1']),
        'request.000001',
        '1',
        JSON.stringify({ slot: 'request.000001' }),
      ],
    ]);
  });

  it('restores documents exactly (a newer slot does not survive, as it would a merge) and removes others outright', async () => {
    const scope = scopeFor('restore');
    const store = new MongoDocumentStore(client, scope, { target: 'test' });
    const doc = (id: string, slots: StoredDocument['slots']): StoredDocument => ({
      ...scope,
      foreign_id: id,
      urn: `urn:contract:message:${scope.tenant}:${id}`,
      index: { channel_id: 'c' },
      slots,
    });
    const original = doc('1', { created: { version: '1', value: { content: 'kept' } } });
    await store.upsertMany('messages', [original, doc('2', { created: { version: '1', value: 'orphan' } })]);
    await store.upsertMany('messages', [doc('1', { deleted: { version: '9', value: true } })]);
    const head = await store.changeHead();
    expect(await store.restore('messages', scope, [original], ['2'])).toBe(2);
    expect(await store.get('messages', '1')).toEqual(original);
    expect(await store.find('messages', {})).toEqual([original]);
    expect(await store.get('messages', '2')).toBeUndefined();
    expect(await store.count('messages', { includeDeleted: true })).toBe(1);
    expect((await store.changesAfter(head, 10)).map((c) => c.foreign_id).sort()).toEqual(['1', '2']);
    // A write after the repair merges as usual.
    await store.upsertMany('messages', [doc('1', { edit: { version: '2', value: 'later' } })]);
    expect((await store.get('messages', '1'))?.slots).toMatchObject({
      created: {},
      edit: { value: 'later' },
    });
  });

  it('cuts database names that MongoDB would refuse and keeps them distinct', () => {
    const long = 'p'.repeat(63);
    const a = mongoDatabaseName(long, 'tenant-a'.padEnd(63, 'x'));
    const b = mongoDatabaseName(long, 'tenant-b'.padEnd(63, 'x'));
    expect(a.length).toBeLessThanOrEqual(63);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^promethean_p+_[0-9a-f]{8}$/);
  });

  it('writes documents nobody has written yet without reading the log or the records', async () => {
    const scope = scopeFor('fresh');
    const { client: counting, reads } = clientCountingReads();
    const store = new MongoDocumentStore(counting, scope, { target: 'test' });
    const page = Array.from({ length: 100 }, (_, i) => ({
      ...scope,
      foreign_id: String(1_300_000_000_000_000_000n + BigInt(i)),
      urn: `urn:contract:message:${scope.tenant}:${i}`,
      index: { channel_id: 'c1' },
      slots: { content: { version: '1', value: { text: `message ${i}` } } },
    }));
    expect(await store.upsertMany('messages', page)).toEqual({ written: 100, unchanged: 0 });
    // Only the change log's head, once per store (then it knows the sequence it appended last).
    expect(Object.fromEntries(reads)).toEqual({ promethean_changes: 1 });
    await store.upsertMany('attachments', page);
    expect(Object.fromEntries(reads)).toEqual({ promethean_changes: 1 });
    reads.clear();
    // The second agent writing the same page (indexer and embedder) reads the records once, not the log.
    expect(await store.upsertMany('messages', page)).toEqual({ written: 0, unchanged: 100 });
    expect(Object.fromEntries(reads)).toEqual({ messages: 1 });
    // A second delivery of an edit to half of them finds their records and goes through the full rebuild.
    const edits = page
      .slice(0, 50)
      .map((d) => ({ ...d, slots: { content: { version: '2', value: { text: 'edited' } } } }));
    expect(await store.upsertMany('messages', edits)).toEqual({ written: 50, unchanged: 0 });
    expect(reads.get('messages.slots')).toBeGreaterThan(0);
    const read = await new MongoDocumentStore(client, scope, { target: 'test' }).getMany(
      'messages',
      page.map((d) => d.foreign_id),
    );
    expect(read.map((d) => d.slots.content?.value)).toEqual([
      ...Array.from({ length: 50 }, () => ({ text: 'edited' })),
      ...Array.from({ length: 50 }, (_, i) => ({ text: `message ${i + 50}` })),
    ]);
    expect(
      await new MongoDocumentStore(client, scope, { target: 'test' }).find(
        'messages',
        { channel_id: 'c1' },
        { limit: 200 },
      ),
    ).toHaveLength(100);
  });

  it('scans 300 documents in pages of 40 with one query for the whole scan, not one per page', async () => {
    // FerretDB v1.24 scans the whole collection for every query (even `_id` equality), so a query per
    // page made a store move's backfill O(N²): the scan must stay one query plus getMores of page size.
    const scope = scopeFor('scan');
    const store = new MongoDocumentStore(client, scope, { target: 'test' });
    const docs = Array.from({ length: 300 }, (_, i) => ({
      ...scope,
      foreign_id: String(1_400_000_000_000_000_000n + BigInt(i)),
      urn: `urn:contract:message:${scope.tenant}:${i}`,
      index: { channel_id: 'c1' },
      slots: { content: { version: '1', value: { text: `message ${i}` } } },
    }));
    await store.upsertMany('messages', docs);
    // A second slot on every third document: a page must hold each document's whole log.
    await store.upsertMany(
      'messages',
      docs
        .filter((_, i) => i % 3 === 0)
        .map((d) => ({ ...d, slots: { edit: { version: '2', value: 'e' } } })),
    );
    const monitored = new MongoClient(mongoUri, { ignoreUndefined: true, monitorCommands: true });
    const commands: { name: string; collection: unknown }[] = [];
    monitored.on('commandStarted', (event) => {
      commands.push({ name: event.commandName, collection: event.command[event.commandName] });
    });
    try {
      const scanner = new MongoDocumentStore(monitored, scope, { target: 'test' });
      const seen: StoredDocument[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page = await scanner.scanPage('messages', cursor, 40);
        seen.push(...page.documents);
        cursor = page.next;
        pages++;
      } while (cursor !== null);
      expect(pages).toBe(8);
      expect(seen.map((d) => d.foreign_id)).toEqual(docs.map((d) => d.foreign_id));
      expect(seen).toEqual(
        await store.getMany(
          'messages',
          docs.map((d) => d.foreign_id),
        ),
      );
      const finds = commands.filter(
        (c) => (c.name === 'find' || c.name === 'aggregate') && String(c.collection).startsWith('messages'),
      );
      expect(finds).toEqual([{ name: 'find', collection: 'messages.slots' }]);
      // 400 slot records in batches of up to 2,000: one getMore or none, never one query per page.
      expect(commands.filter((c) => c.name === 'getMore').length).toBeLessThanOrEqual(1);
      // A cursor handed out before the `f:` format (a sort key) restarts the scan from the beginning.
      const legacy = await scanner.scanPage('messages', '000000000001400000000000000010', 40);
      expect(legacy.documents[0]?.foreign_id).toBe(docs[0]!.foreign_id);
      // Another store instance (a restarted Durable Object) resumes from a cursor with a query of its own.
      const fresh = new MongoDocumentStore(client, scope, { target: 'test' });
      const resumed = await fresh.scanPage('messages', legacy.next, 40);
      expect(resumed.documents.map((d) => d.foreign_id)).toEqual(docs.slice(40, 80).map((d) => d.foreign_id));
    } finally {
      await monitored.close();
    }
  });

  it('rewrites 120 existing documents with one delete and one insert command, not a replace each', async () => {
    // FerretDB v1.24 answers each replace statement with two whole-collection scans, so the store move's CDC
    // batches (up to 250 edits) must not replace one by one; a couple of edits still replace in place.
    const scope = scopeFor('many-edits');
    const monitored = new MongoClient(mongoUri, { ignoreUndefined: true, monitorCommands: true });
    const commands: Array<{ name: string; statements: number }> = [];
    monitored.on('commandStarted', (event) => {
      if (event.command[event.commandName] !== 'messages') return;
      const list = (event.command.updates ?? event.command.deletes ?? event.command.documents) as unknown[];
      commands.push({ name: event.commandName, statements: list?.length ?? 0 });
    });
    try {
      const store = new MongoDocumentStore(monitored, scope, { target: 'test' });
      const page = Array.from({ length: 120 }, (_, i) => ({
        ...scope,
        foreign_id: String(1_300_000_000_000_000_000n + BigInt(i)),
        urn: `urn:contract:message:${scope.tenant}:${i}`,
        index: { channel_id: 'c1' },
        slots: { content: { version: '1', value: { text: `message ${i}` } } },
      }));
      await store.upsertMany('messages', page);
      commands.length = 0;
      const edits = page.map((d) => ({ ...d, slots: { edit: { version: '1', value: { text: 'edited' } } } }));
      expect(await store.upsertMany('messages', edits)).toEqual({ written: 120, unchanged: 0 });
      const writes = commands.filter((c) => c.name !== 'find');
      // The first-record insert is tried (and refused by the unique _id) before the rebuild.
      expect(writes).toEqual([
        { name: 'insert', statements: 120 },
        { name: 'delete', statements: 1 },
        { name: 'insert', statements: 120 },
      ]);
      const read = await store.find('messages', { channel_id: 'c1' }, { limit: 200 });
      expect(read.filter((d) => d.slots.edit && d.slots.content)).toHaveLength(120);
      commands.length = 0;
      const few = edits
        .slice(0, REPLACE_BY_DELETE_MIN - 1)
        .map((d) => ({ ...d, slots: { edit: { version: '2', value: { text: 'again' } } } }));
      await store.upsertMany('messages', few);
      expect(commands.filter((c) => c.name !== 'find')).toEqual([
        { name: 'insert', statements: REPLACE_BY_DELETE_MIN - 1 },
        { name: 'update', statements: REPLACE_BY_DELETE_MIN - 1 },
      ]);
      expect((await store.getMany('messages', [few[0]!.foreign_id]))[0]?.slots.edit?.value).toEqual({
        text: 'again',
      });
      const counted = await store.count('messages');
      expect(counted).toBe(120);
    } finally {
      await monitored.close();
    }
  });

  it('rebuilds a document whose log moved while it was being written, keeping every writer’s slots', async () => {
    const scope = scopeFor('race');
    await new MongoDocumentStore(client, scope, { target: 'test' }).upsertMany('jobs', [
      jobDoc(scope, 'job'),
    ]);
    const racing = new MongoDocumentStore(clientWithRival(1), scope, { target: 'test' });
    expect(await racing.upsertMany('jobs', [jobDoc(scope, 'mine')])).toEqual({ written: 1, unchanged: 0 });
    const record = await client
      .db(mongoDatabaseName(scope.provider, scope.tenant))
      .collection('jobs')
      .findOne({});
    expect(Object.keys(JSON.parse(String(record?.slots_json))).sort()).toEqual(['job', 'mine', 'rival.1']);
  });

  it(`gives up after ${MAX_ROUNDS} rounds of a moving log with a retriable error, losing nothing`, async () => {
    const scope = scopeFor('starved');
    await new MongoDocumentStore(client, scope, { target: 'test' }).upsertMany('jobs', [
      jobDoc(scope, 'job'),
    ]);
    const racing = new MongoDocumentStore(clientWithRival(Number.POSITIVE_INFINITY), scope, {
      target: 'test',
    });
    await expect(racing.upsertMany('jobs', [jobDoc(scope, 'mine')])).rejects.toMatchObject({
      name: 'DocumentWriteConflictError',
      retryAfterMs: expect.any(Number),
    });
    const calm = new MongoDocumentStore(client, scope, { target: 'test' });
    const slots = Object.keys((await calm.get('jobs', 'backfill:1'))?.slots ?? {});
    expect(slots).toEqual(expect.arrayContaining(['job', 'mine']));
    // One rival for the first-record insert (which finds the record there), then one per rebuild round.
    expect(slots.filter((s) => s.startsWith('rival.'))).toHaveLength(MAX_ROUNDS + 1);
    // The redelivery the retriable error asks for finds its slot in the record: nothing left to do.
    expect(await calm.upsertMany('jobs', [jobDoc(scope, 'mine')])).toEqual({ written: 0, unchanged: 1 });
    // The rival that logged last died before any record held its slot; its own redelivery rebuilds the record.
    const last = `rival.${MAX_ROUNDS + 1}`;
    expect(await calm.find('jobs', { kind: 'backfill' })).not.toEqual([await calm.get('jobs', 'backfill:1')]);
    expect(await calm.upsertMany('jobs', [jobDoc(scope, last)])).toEqual({ written: 0, unchanged: 1 });
    expect(await calm.find('jobs', { kind: 'backfill' })).toEqual([await calm.get('jobs', 'backfill:1')]);
  });

  it('answers get from the log even before a writer that died had rewritten the record', async () => {
    const scope = scopeFor('orphan');
    const store = new MongoDocumentStore(client, scope, { target: 'test' });
    await store.upsertMany('jobs', [jobDoc(scope, 'job')]);
    const db = client.db(mongoDatabaseName(scope.provider, scope.tenant));
    await db
      .collection<SlotRecord>('jobs.slots')
      .insertMany(slotRecordsOf(jobDoc(scope, 'orphan'), Date.now(), 0));
    expect(Object.keys((await store.get('jobs', 'backfill:1'))?.slots ?? {}).sort()).toEqual([
      'job',
      'orphan',
    ]);
    // Another writer's redelivery, already held by the record, leaves the orphan to its own redelivery...
    expect(await store.upsertMany('jobs', [jobDoc(scope, 'job')])).toEqual({ written: 0, unchanged: 1 });
    expect(Object.keys((await store.find('jobs', { kind: 'backfill' }))[0]?.slots ?? {})).toEqual(['job']);
    // ...which finds its slot logged but not held, and rebuilds the record from the log.
    expect(await store.upsertMany('jobs', [jobDoc(scope, 'orphan')])).toEqual({ written: 0, unchanged: 1 });
    expect(await store.find('jobs', { kind: 'backfill' })).toEqual([await store.get('jobs', 'backfill:1')]);
  });

  it('reports an unreachable server as StoreUnavailableError (retriable), naming the database', async () => {
    const down = new MongoClient(`mongodb://127.0.0.1:${await freePort()}/`, {
      serverSelectionTimeoutMS: 300,
    });
    try {
      const store = new MongoDocumentStore(down, scopeFor('down'), { target: 'test' });
      await expect(store.count('messages')).rejects.toMatchObject({
        name: 'StoreUnavailableError',
        message: expect.stringContaining('promethean_contract_mongo-down'),
      });
    } finally {
      await down.close();
    }
  });
});
