/**
 * The DocumentStore contract every adapter passes (memory, MongoDB from Node, and inside workerd
 * TenantDocuments and MongoDocuments): convergence under any delivery order and redelivery, no lost slot
 * under concurrent writers, queries, counts, tenant isolation, validation and bulk writes.
 */
import {
  type DocumentStore,
  FIND_MANY_MAX,
  findEach,
  type StoredDocument,
} from '@promethean/shared/effects/document-store';
import type { DocumentScope } from '@promethean/shared/effects/document-validation';
import { describe, expect, it } from 'vitest';

/** Provider of every contract document (test databases are `promethean_contract_*`). */
export const CONTRACT_PROVIDER = 'contract';

export interface DocumentStoreContractOptions {
  /** A store for a provider+tenant; called again for each concurrent writer (a separate client if it can). */
  store: (scope: DocumentScope) => DocumentStore | Promise<DocumentStore>;
  /** The names of the unique indexes on a collection, for adapters that keep them in a database. */
  uniqueIndexes?: (scope: DocumentScope, collection: 'messages') => Promise<string[][]>;
}

/** Unique per run so an external MongoDB keeps no state between runs; fixed within a run. */
const RUN = Math.random().toString(36).slice(2, 8);
let tenants = 0;
function freshScope(label: string): DocumentScope {
  tenants++;
  return { provider: CONTRACT_PROVIDER, tenant: `${label}-${RUN}-${tenants}` };
}

function message(
  scope: DocumentScope,
  id: string,
  slots: StoredDocument['slots'],
  channel = 'c1',
): StoredDocument {
  return {
    ...scope,
    foreign_id: id,
    urn: `urn:${scope.provider}:message:${scope.tenant}:${id}`,
    index: { channel_id: channel },
    slots,
  };
}

const created = (scope: DocumentScope, id: string, channel = 'c1') =>
  message(
    scope,
    id,
    { created: { version: '2026-11-20T10:00:00.000Z', value: { content: `hi ${id}` } } },
    channel,
  );
const edited = (scope: DocumentScope, id: string) => ({
  ...message(scope, id, {
    edit: { version: '2026-11-20T10:05:00.000Z', value: { content: `edited ${id}` } },
  }),
  index: { channel_id: 'c1', author_id: 'ada' },
});
const deleted = (scope: DocumentScope, id: string) =>
  message(scope, id, { deleted: { version: '2026-11-20T10:09:00.000Z', value: { deleted_at: 'later' } } });

const ORDERS = [
  ['create', 'edit', 'delete'],
  ['create', 'delete', 'edit'],
  ['edit', 'create', 'delete'],
  ['edit', 'delete', 'create'],
  ['delete', 'create', 'edit'],
  ['delete', 'edit', 'create'],
] as const;

/** Registers the contract suite for one adapter. */
export function describeDocumentStoreContract(adapter: string, options: DocumentStoreContractOptions): void {
  const open = async (scope: DocumentScope) => options.store(scope);

  describe(`DocumentStore contract: ${adapter}`, () => {
    it('converges on one document for create, edit and delete in every delivery order', async () => {
      const scope = freshScope('orders');
      const store = await open(scope);
      const make = { create: created, edit: edited, delete: deleted };
      for (const [n, order] of ORDERS.entries()) {
        for (const step of order) await store.upsertMany('messages', [make[step](scope, `10${n}`)]);
      }
      const docs = await Promise.all(ORDERS.map((_, n) => store.get('messages', `10${n}`)));
      for (const [n, doc] of docs.entries()) {
        expect(doc).toEqual({
          ...message(scope, `10${n}`, {
            created: { version: '2026-11-20T10:00:00.000Z', value: { content: `hi 10${n}` } },
            edit: { version: '2026-11-20T10:05:00.000Z', value: { content: `edited 10${n}` } },
            deleted: { version: '2026-11-20T10:09:00.000Z', value: { deleted_at: 'later' } },
          }),
          index: { channel_id: 'c1', author_id: 'ada' },
        });
      }
      expect(await store.count('messages')).toBe(0);
      expect(await store.count('messages', { includeDeleted: true })).toBe(ORDERS.length);
    });

    it('keeps an edit that arrives before its create, and a delete that arrives before either', async () => {
      const scope = freshScope('early');
      const store = await open(scope);
      await store.upsertMany('messages', [edited(scope, '201'), deleted(scope, '202')]);
      expect((await store.get('messages', '201'))?.slots).toEqual(edited(scope, '201').slots);
      expect(await store.find('messages', { channel_id: 'c1' })).toHaveLength(1);
      expect(await store.count('messages')).toBe(1);
      await store.upsertMany('messages', [created(scope, '202'), created(scope, '201')]);
      expect(Object.keys((await store.get('messages', '201'))?.slots ?? {}).sort()).toEqual([
        'created',
        'edit',
      ]);
      expect((await store.get('messages', '202'))?.slots.deleted).toBeDefined();
      expect((await store.find('messages', { channel_id: 'c1' })).map((d) => d.foreign_id)).toEqual(['201']);
    });

    it('stores a document redelivered five times in a row exactly once', async () => {
      const scope = freshScope('redeliver');
      const store = await open(scope);
      const results = [];
      for (let i = 0; i < 5; i++) results.push(await store.upsertMany('messages', [created(scope, '301')]));
      expect(results).toEqual([{ written: 1, unchanged: 0 }, ...Array(4).fill({ written: 0, unchanged: 1 })]);
      expect(await store.count('messages')).toBe(1);
      expect(await store.find('messages', {}, { includeDeleted: true })).toHaveLength(1);
    });

    it('stores a document delivered five times concurrently exactly once', async () => {
      const scope = freshScope('concurrent');
      const stores = await Promise.all(Array.from({ length: 5 }, () => open(scope)));
      const results = await Promise.all(stores.map((s) => s.upsertMany('messages', [created(scope, '401')])));
      expect(results.reduce((sum, r) => sum + r.written, 0)).toBe(1);
      expect(await stores[0]!.count('messages')).toBe(1);
      expect(await stores[0]!.get('messages', '401')).toEqual(created(scope, '401'));
    });

    it('reads many documents in one call: merged as get reads them, missing ids absent, no duplicates', async () => {
      const scope = freshScope('getmany');
      const store = await open(scope);
      await store.upsertMany('messages', [
        created(scope, '501'),
        created(scope, '502'),
        edited(scope, '501'),
      ]);
      await store.upsertMany('messages', [deleted(scope, '503')]);
      const many = await store.getMany('messages', ['501', '502', '503', '599', '501']);
      expect(many.map((d) => d.foreign_id).sort()).toEqual(['501', '502', '503']);
      for (const doc of many) expect(doc).toEqual(await store.get('messages', doc.foreign_id));
      expect(await store.getMany('attachments', ['501'])).toEqual([]);
      expect(await store.getMany('messages', [])).toEqual([]);
      const ids = Array.from({ length: 250 }, (_, i) => String(10_000 + i));
      await store.upsertMany(
        'messages',
        ids.map((id) => created(scope, id)),
      );
      expect((await store.getMany('messages', ids)).length).toBe(250);
    });

    it('answers the merged documents of a write when asked, as get reads them afterwards', async () => {
      const scope = freshScope('returned');
      const store = await open(scope);
      await store.upsertMany('messages', [edited(scope, '602'), created(scope, '603')]);
      // New (601), merged into an earlier edit (602), a redelivery (603), one id twice in the batch (604).
      const result = await store.upsertMany(
        'messages',
        [
          created(scope, '601'),
          created(scope, '602'),
          created(scope, '603'),
          created(scope, '604'),
          edited(scope, '604'),
        ],
        { returnDocuments: true },
      );
      expect(result.written).toBe(4);
      expect(result.unchanged).toBe(1);
      expect(result.documents?.map((d) => d.foreign_id)).toEqual(['601', '602', '603', '604']);
      for (const doc of result.documents ?? [])
        expect(doc).toEqual(await store.get('messages', doc.foreign_id));
      expect(Object.keys(result.documents?.[1]?.slots ?? {}).sort()).toEqual(['created', 'edit']);
      // Without the option the answer stays the counts alone; a bad option is refused.
      expect(await store.upsertMany('messages', [created(scope, '601')])).toEqual({
        written: 0,
        unchanged: 1,
      });
      await expect(
        store.upsertMany('messages', [created(scope, '605')], { returnDocuments: 'yes' } as never),
      ).rejects.toMatchObject({ name: 'InvalidDocumentError' });
      expect(await store.get('messages', '605')).toBeUndefined();
    });

    it('loses no slot when concurrent writers change different slots of one document', async () => {
      const scope = freshScope('slots');
      const writers = 12;
      const stores = await Promise.all(Array.from({ length: writers }, () => open(scope)));
      const results = await Promise.all(
        stores.map((s, i) =>
          s.upsertMany('jobs', [
            message(scope, 'job-1', { [`part.${i}`]: { version: '1', value: { n: i } } }),
          ]),
        ),
      );
      expect(results.reduce((sum, r) => sum + r.written, 0)).toBe(writers);
      const doc = await stores[0]!.get('jobs', 'job-1');
      expect(Object.keys(doc?.slots ?? {}).sort()).toEqual(
        Array.from({ length: writers }, (_, i) => `part.${i}`).sort(),
      );
      expect(doc?.slots['part.7']).toEqual({ version: '1', value: { n: 7 } });
    });

    it('counts every change when one batch touches the same document twice', async () => {
      const scope = freshScope('batch');
      const store = await open(scope);
      const result = await store.upsertMany('messages', [
        created(scope, '501'),
        edited(scope, '501'),
        created(scope, '501'),
      ]);
      expect(result).toEqual({ written: 2, unchanged: 1 });
      expect(Object.keys((await store.get('messages', '501'))?.slots ?? {}).sort()).toEqual([
        'created',
        'edit',
      ]);
    });

    it('finds by index fields, newest first in snowflake order, with before, limit and includeDeleted', async () => {
      const scope = freshScope('find');
      const store = await open(scope);
      // Snowflakes of different lengths: string order would put "9" after "1000000000000000001".
      const ids = ['9', '10', '99', '1000000000000000001', '1000000000000000010', '200000000000000000'];
      await store.upsertMany('messages', [
        ...ids.map((id) => created(scope, id)),
        created(scope, '55', 'c2'),
        deleted(scope, '99'),
      ]);
      const newestFirst = ['1000000000000000010', '1000000000000000001', '200000000000000000', '10', '9'];
      const ids_ = (docs: StoredDocument[]) => docs.map((d) => d.foreign_id);
      expect(ids_(await store.find('messages', { channel_id: 'c1' }))).toEqual(newestFirst);
      expect(ids_(await store.find('messages', { channel_id: 'c1' }, { includeDeleted: true }))).toEqual([
        ...newestFirst.slice(0, 3),
        '99',
        '10',
        '9',
      ]);
      expect(ids_(await store.find('messages', { channel_id: 'c1' }, { limit: 2 }))).toEqual(
        newestFirst.slice(0, 2),
      );
      expect(
        ids_(await store.find('messages', { channel_id: 'c1' }, { before: '200000000000000000' })),
      ).toEqual(['10', '9']);
      expect(ids_(await store.find('messages', { channel_id: 'c2' }))).toEqual(['55']);
      expect(ids_(await store.find('messages', { channel_id: 'c1', author_id: 'nobody' }))).toEqual([]);
      expect(await store.find('attachments', {})).toEqual([]);
    });

    it('answers several finds in one call in order, each as find answers it (findMany where the store has it)', async () => {
      const scope = freshScope('findmany');
      const store = await open(scope);
      await store.upsertMany('messages', [
        created(scope, '10'),
        created(scope, '11'),
        created(scope, '12', 'c2'),
        deleted(scope, '11'),
      ]);
      const queries = [
        { index: { channel_id: 'c1' } },
        { index: { channel_id: 'c2' }, options: { limit: 1 } },
        { index: { channel_id: 'c1' }, options: { includeDeleted: true } },
        { index: { channel_id: 'none' } },
      ];
      const expected = await Promise.all(queries.map((q) => store.find('messages', q.index, q.options)));
      expect(await findEach(store, 'messages', queries)).toEqual(expected);
      if (store.findMany) {
        expect(await store.findMany('messages', queries)).toEqual(expected);
        await expect(store.findMany('messages', [{ index: { 'a.b': 'x' } }])).rejects.toMatchObject({
          name: 'InvalidDocumentError',
        });
        const tooMany = Array.from({ length: FIND_MANY_MAX + 1 }, () => ({ index: { channel_id: 'c1' } }));
        await expect(store.findMany('messages', tooMany)).rejects.toMatchObject({
          name: 'InvalidDocumentError',
        });
      }
    });

    it('keeps voice segment and session documents apart from the other collections, slot by slot', async () => {
      const scope = freshScope('voice');
      const store = await open(scope);
      const segment = (slots: StoredDocument['slots']): StoredDocument => ({
        ...scope,
        foreign_id: 'vs-1:77-1000',
        urn: `urn:${scope.provider}:voice-segment:${scope.tenant}:vs-1:77-1000`,
        index: { session_id: 'vs-1', user_id: '77', kind: 'segment' },
        slots,
      });
      const transcript = segment({ transcript: { version: '1', value: { text: 'hello duck' } } });
      const stored = segment({ segment: { version: '1', value: { ts_start: 1000, ts_end: 1400 } } });
      // Any order, any number of times: the slots of the agents that own them all survive.
      for (const doc of [transcript, stored, transcript, stored]) await store.upsertMany('voice', [doc]);
      await store.upsertMany('voice', [
        {
          ...scope,
          foreign_id: 'session:vs-1',
          urn: `urn:${scope.provider}:voice-session:${scope.tenant}:vs-1`,
          index: { kind: 'session' },
          slots: { join: { version: '1', value: { channel_id: '2' } } },
        },
      ]);
      const doc = await store.get('voice', 'vs-1:77-1000');
      expect(Object.keys(doc?.slots ?? {}).sort()).toEqual(['segment', 'transcript']);
      const ids = (docs: StoredDocument[]) => docs.map((d) => d.foreign_id);
      expect(ids(await store.find('voice', { session_id: 'vs-1', kind: 'segment' }))).toEqual([
        'vs-1:77-1000',
      ]);
      expect(ids(await store.find('voice', { kind: 'session' }))).toEqual(['session:vs-1']);
      expect(await store.count('voice')).toBe(2);
      expect(await store.count('messages')).toBe(0);
    });

    it('counts live documents per collection, and deleted ones on request', async () => {
      const scope = freshScope('count');
      const store = await open(scope);
      await store.upsertMany('messages', [created(scope, '1'), created(scope, '2'), deleted(scope, '3')]);
      await store.upsertMany('attachments', [created(scope, '1')]);
      expect(await store.count('messages')).toBe(2);
      expect(await store.count('messages', { includeDeleted: true })).toBe(3);
      expect(await store.count('attachments')).toBe(1);
      expect(await store.count('jobs')).toBe(0);
      expect(await store.get('messages', 'nope')).toBeUndefined();
    });

    it('keeps tenants apart: same ids, separate documents, and no writes across', async () => {
      const a = freshScope('iso-a');
      const b = freshScope('iso-b');
      const [storeA, storeB] = await Promise.all([open(a), open(b)]);
      await storeA.upsertMany('messages', [created(a, '700'), created(a, '701')]);
      await storeB.upsertMany('messages', [edited(b, '700')]);
      expect((await storeA.get('messages', '700'))?.tenant).toBe(a.tenant);
      expect(Object.keys((await storeB.get('messages', '700'))?.slots ?? {})).toEqual(['edit']);
      expect(await storeA.count('messages')).toBe(2);
      expect(await storeB.count('messages')).toBe(1);
      expect(await storeB.get('messages', '701')).toBeUndefined();
      expect((await storeB.find('messages', {})).map((d) => d.tenant)).toEqual([b.tenant]);
      await expect(storeA.upsertMany('messages', [created(b, '702')])).rejects.toMatchObject({
        name: 'InvalidDocumentError',
      });
      expect(await storeB.get('messages', '702')).toBeUndefined();
    });

    it('refuses invalid documents and queries with a non-retriable error', async () => {
      const scope = freshScope('invalid');
      const store = await open(scope);
      const bad: StoredDocument[] = [
        { ...created(scope, '1'), index: { 'Channel-Id': 'x' } },
        { ...created(scope, '2'), urn: 'not-a-urn' },
        { ...created(scope, '3'), slots: { created: { version: '1', value: () => 1 } } },
      ];
      for (const doc of bad) {
        await expect(store.upsertMany('messages', [doc])).rejects.toMatchObject({
          name: 'InvalidDocumentError',
        });
      }
      await expect(store.find('messages', { 'a.b': 'x' })).rejects.toMatchObject({
        name: 'InvalidDocumentError',
      });
      await expect(store.find('messages', {}, { limit: 0 })).rejects.toMatchObject({
        name: 'InvalidDocumentError',
      });
      await expect(store.getMany('messages', Array(1_001).fill('1'))).rejects.toMatchObject({
        name: 'InvalidDocumentError',
      });
      expect(await store.count('messages', { includeDeleted: true })).toBe(0);
    });

    it('writes 1,000 documents in one bulk upsert, and a redelivery of them changes nothing', async () => {
      const scope = freshScope('bulk');
      const store = await open(scope);
      const docs = Array.from({ length: 1000 }, (_, i) => created(scope, String(1_000_000 + i), `c${i % 4}`));
      expect(await store.upsertMany('messages', docs)).toEqual({ written: 1000, unchanged: 0 });
      expect(await store.upsertMany('messages', docs)).toEqual({ written: 0, unchanged: 1000 });
      expect(await store.count('messages')).toBe(1000);
      const top = await store.find('messages', { channel_id: 'c3' }, { limit: 3 });
      expect(top.map((d) => d.foreign_id)).toEqual(['1000999', '1000995', '1000991']);
    });

    if (options.uniqueIndexes) {
      const uniqueIndexes = options.uniqueIndexes;
      it('has a unique index on {provider, tenant, foreign_id}', async () => {
        const scope = freshScope('index');
        const store = await open(scope);
        await store.upsertMany('messages', [created(scope, '1')]);
        expect(await uniqueIndexes(scope, 'messages')).toContainEqual(['provider', 'tenant', 'foreign_id']);
      });
    }
  });
}
