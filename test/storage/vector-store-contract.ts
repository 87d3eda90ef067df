/**
 * The VectorStore contract every adapter passes (in-memory, Chroma from Node, Chroma inside workerd):
 * pinning at the first write and refusing any other model or dimension, overwrite by id, nearest-first
 * queries with cosine distances and metadata filters, count, delete, and tenant/collection separation.
 */
import type { DocumentScope } from '@promethean/shared/effects/document-validation';
import type { EmbeddingSpec, VectorRecord, VectorStore } from '@promethean/shared/effects/effect-ports';
import { describe, expect, it } from 'vitest';

export interface VectorStoreContractOptions {
  /** A store for a provider+tenant; every call for one scope must reach the same data. */
  store: (scope: DocumentScope) => VectorStore | Promise<VectorStore>;
}

const RUN = Math.random().toString(36).slice(2, 8);
let tenants = 0;
function freshScope(label: string): DocumentScope {
  tenants++;
  return { provider: 'contract', tenant: `${label}-${RUN}-${tenants}` };
}

const SPEC: EmbeddingSpec = { model: 'test-embed-3', dimension: 3 };

function record(id: string, embedding: number[], metadata: VectorRecord['metadata'] = {}): VectorRecord {
  return { id, embedding, document: `doc ${id}`, metadata };
}

/** Four records around the x axis: a is on it, b near it, c and d orthogonal. */
const FIXTURE = [
  record('urn:contract:message:t:a', [1, 0, 0], { channel_id: 'c1', pinned: true, n: 1 }),
  record('urn:contract:message:t:b', [0.9, 0.1, 0], { channel_id: 'c1', pinned: false, n: 2 }),
  record('urn:contract:message:t:c', [0, 1, 0], { channel_id: 'c2', pinned: true, n: 3 }),
  record('urn:contract:message:t:d', [0, 0, 1]),
];

/** Registers the contract suite for one adapter. */
export function describeVectorStoreContract(adapter: string, options: VectorStoreContractOptions): void {
  const open = async (scope: DocumentScope) => options.store(scope);

  describe(`VectorStore contract: ${adapter}`, () => {
    it('pins a collection to the embedding spec of its first write', async () => {
      const store = await open(freshScope('pin'));
      expect(await store.pinned('messages')).toBeUndefined();
      await store.upsert('messages', [], SPEC);
      expect(await store.pinned('messages')).toBeUndefined();
      await store.upsert('messages', FIXTURE.slice(0, 1), SPEC);
      expect(await store.pinned('messages')).toEqual(SPEC);
      expect(await store.pinned('attachments')).toBeUndefined();
    });

    it('refuses another model, another dimension and a vector of the wrong length, writing nothing', async () => {
      const store = await open(freshScope('mismatch'));
      await store.upsert('messages', FIXTURE.slice(0, 2), SPEC);
      const refusals: Array<[VectorRecord[], EmbeddingSpec]> = [
        [[record('x', [1, 0, 0])], { model: 'other-embed', dimension: 3 }],
        [[record('x', [1, 0, 0, 0])], { model: SPEC.model, dimension: 4 }],
        [[record('y', [1, 0, 0]), record('x', [1, 0])], SPEC],
      ];
      for (const [records, spec] of refusals) {
        await expect(store.upsert('messages', records, spec)).rejects.toMatchObject({
          name: 'VectorSchemaMismatchError',
        });
      }
      await expect(store.query('messages', [1, 0], 1)).rejects.toMatchObject({
        name: 'VectorSchemaMismatchError',
      });
      expect(await store.count('messages')).toBe(2);
      expect(await store.pinned('messages')).toEqual(SPEC);
    });

    it('answers a query made with the pinned model and refuses one made with another (same dimension)', async () => {
      const store = await open(freshScope('made-with'));
      expect(await store.query('messages', [1, 0, 0], 1, {}, SPEC)).toEqual([]); // no collection yet
      await store.upsert('messages', FIXTURE.slice(0, 2), SPEC);
      expect(await store.query('messages', [1, 0, 0], 1, {}, SPEC)).toHaveLength(1);
      await expect(
        store.query('messages', [1, 0, 0], 1, {}, { model: 'other-embed', dimension: 3 }),
      ).rejects.toMatchObject({ name: 'VectorSchemaMismatchError', pinned: SPEC });
    });

    it('never pins a collection to a first write whose vectors do not match its own spec', async () => {
      const store = await open(freshScope('first'));
      await expect(store.upsert('messages', [record('x', [1, 0])], SPEC)).rejects.toMatchObject({
        name: 'VectorSchemaMismatchError',
      });
      expect(await store.pinned('messages')).toBeUndefined();
      expect(await store.count('messages')).toBe(0);
    });

    it('overwrites a record written again with the same id (redelivery)', async () => {
      const store = await open(freshScope('redeliver'));
      await store.upsert('messages', FIXTURE, SPEC);
      await store.upsert('messages', FIXTURE, SPEC);
      await store.upsert(
        'messages',
        [{ ...FIXTURE[0]!, document: 'rewritten', metadata: { channel_id: 'c9' } }],
        SPEC,
      );
      expect(await store.count('messages')).toBe(4);
      const [top] = await store.query('messages', [1, 0, 0], 1);
      expect(top).toMatchObject({ id: FIXTURE[0]!.id, document: 'rewritten' });
      // Exactly the metadata written last: no key survives from the earlier version.
      expect(top?.metadata).toEqual({ channel_id: 'c9' });
      expect(await store.query('messages', [1, 0, 0], 5, { pinned: true })).toHaveLength(1);
    });

    it('answers nearest first with cosine distances, the stored document, metadata and embedding', async () => {
      const store = await open(freshScope('query'));
      await store.upsert('messages', FIXTURE, SPEC);
      const matches = await store.query('messages', [1, 0, 0], 3);
      expect(matches.map((m) => m.id)).toEqual([FIXTURE[0]!.id, FIXTURE[1]!.id, expect.any(String)]);
      expect(matches[0]!.distance).toBeCloseTo(0, 5);
      expect(matches[1]!.distance).toBeCloseTo(1 - 0.9 / Math.sqrt(0.82), 5);
      expect(matches[2]!.distance).toBeCloseTo(1, 5);
      expect(matches[0]).toMatchObject({ document: FIXTURE[0]!.document, metadata: FIXTURE[0]!.metadata });
      expect(matches[1]!.embedding.map((x) => Number(x.toFixed(5)))).toEqual([0.9, 0.1, 0]);
      expect(await store.query('messages', [1, 0, 0], 10)).toHaveLength(4);
      expect(await store.query('messages', [1, 0, 0], 0)).toEqual([]);
    });

    it('filters by exact metadata values: strings, numbers, booleans, several at once', async () => {
      const store = await open(freshScope('where'));
      await store.upsert('messages', FIXTURE, SPEC);
      const ids = async (where: Record<string, string | number | boolean>) =>
        (await store.query('messages', [1, 0, 0], 10, where)).map((m) => m.id);
      expect(await ids({ channel_id: 'c1' })).toEqual([FIXTURE[0]!.id, FIXTURE[1]!.id]);
      expect(await ids({ pinned: true })).toEqual([FIXTURE[0]!.id, FIXTURE[2]!.id]);
      expect(await ids({ n: 3 })).toEqual([FIXTURE[2]!.id]);
      expect(await ids({ channel_id: 'c1', pinned: false })).toEqual([FIXTURE[1]!.id]);
      expect(await ids({ channel_id: 'nowhere' })).toEqual([]);
    });

    it('counts and deletes by id; unknown ids and an empty list change nothing', async () => {
      const store = await open(freshScope('delete'));
      await store.upsert('messages', FIXTURE, SPEC);
      await store.delete('messages', [FIXTURE[1]!.id, 'urn:contract:message:t:unknown']);
      await store.delete('messages', []);
      expect(await store.count('messages')).toBe(3);
      expect((await store.query('messages', [1, 0, 0], 10)).map((m) => m.id)).not.toContain(FIXTURE[1]!.id);
      await store.delete('attachments', [FIXTURE[0]!.id]);
      expect(await store.count('attachments')).toBe(0);
    });

    it('keeps collections and tenants apart', async () => {
      const a = await open(freshScope('iso-a'));
      const b = await open(freshScope('iso-b'));
      await a.upsert('messages', FIXTURE, SPEC);
      await a.upsert('attachments', FIXTURE.slice(0, 1), { model: 'image-embed', dimension: 3 });
      expect(await a.count('attachments')).toBe(1);
      expect(await a.pinned('attachments')).toEqual({ model: 'image-embed', dimension: 3 });
      expect(await b.count('messages')).toBe(0);
      expect(await b.query('messages', [1, 0, 0], 5)).toEqual([]);
      await b.upsert('messages', [record('only-b', [0, 1, 0])], { model: 'other-embed', dimension: 3 });
      expect(await b.pinned('messages')).toEqual({ model: 'other-embed', dimension: 3 });
      expect(await a.pinned('messages')).toEqual(SPEC);
    });
  });
}
