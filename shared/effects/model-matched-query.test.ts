import { describe, expect, it } from 'vitest';
import type { VectorStore } from './effect-ports.ts';
import { MemoryVectorStore } from './memory-vector-store.ts';
import { modelMatchedQuery } from './model-matched-query.ts';

const SPEC = { model: 'embed-a', dimension: 2 };
const query = { vector: [1, 0], spec: SPEC };

describe('modelMatchedQuery', () => {
  it('tells nothing indexed from an empty filter, and answers matches', async () => {
    const vectors = new MemoryVectorStore();
    expect(await modelMatchedQuery(vectors, 'messages', query, 3)).toEqual({ kind: 'nothing-indexed' });
    await vectors.upsert(
      'messages',
      [{ id: 'a', embedding: [1, 0], document: 'a', metadata: { c: '1' } }],
      SPEC,
    );
    expect(await modelMatchedQuery(vectors, 'messages', query, 3, { c: '2' })).toEqual({
      kind: 'matches',
      matches: [],
    });
    const found = await modelMatchedQuery(vectors, 'messages', query, 3);
    expect(found.kind === 'matches' && found.matches.map((m) => m.id)).toEqual(['a']);
  });

  it('answers another model (same dimension) as a mismatch naming the pin, not as matches', async () => {
    const vectors = new MemoryVectorStore();
    await vectors.upsert('messages', [{ id: 'a', embedding: [1, 0], document: 'a', metadata: {} }], {
      model: 'embed-b',
      dimension: 2,
    });
    expect(await modelMatchedQuery(vectors, 'messages', query, 3)).toEqual({
      kind: 'model-mismatch',
      pinned: { model: 'embed-b', dimension: 2 },
    });
  });

  it('passes the query model to the store and lets other failures through', async () => {
    const seen: unknown[] = [];
    const failing: Pick<VectorStore, 'query' | 'pinned'> = {
      query: async (...args) => {
        seen.push(args[4]);
        throw new Error('Chroma is not reachable');
      },
      pinned: async () => SPEC,
    };
    await expect(modelMatchedQuery(failing, 'messages', query, 3)).rejects.toThrow('not reachable');
    expect(seen).toEqual([SPEC]);
  });
});
