import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CoalescingVectorStore } from './coalescing-vector-store.ts';
import type { EmbeddingSpec, VectorRecord, VectorStore } from './effect-ports.ts';
import { MemoryVectorStore } from './memory-vector-store.ts';

const spec: EmbeddingSpec = { model: 'm1', dimension: 2 };

function rec(id: string, x = 1): VectorRecord {
  return { id, embedding: [x, 0.5], document: `text ${id}`, metadata: { channel: 'c1' } };
}

/** A memory store that records every write and, like Chroma, refuses one write naming an id twice. */
function countingVectors(failWhen?: (records: readonly VectorRecord[]) => boolean) {
  const store = new MemoryVectorStore('discord', 'duck');
  const calls: string[] = [];
  const target: VectorStore = {
    upsert: async (c, records, s) => {
      calls.push(`upsert ${c} ${records.map((r) => r.id).join(',')}`);
      if (new Set(records.map((r) => r.id)).size !== records.length) throw new Error('duplicate ids');
      if (failWhen?.(records)) throw new Error('refused');
      return store.upsert(c, records, s);
    },
    query: (c, e, k, w) => store.query(c, e, k, w),
    count: (c) => store.count(c),
    delete: async (c, ids) => {
      calls.push(`delete ${c} ${ids.join(',')}`);
      return store.delete(c, ids);
    },
    pinned: (c) => store.pinned(c),
  };
  return { target, calls, store };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('CoalescingVectorStore', () => {
  it('sends the upserts of one window in one call, and every record is stored', async () => {
    const { target, calls, store } = countingVectors();
    const vectors = new CoalescingVectorStore(target, { windowMs: 5, maxRecords: 500 });
    const done = Promise.all([
      vectors.upsert('messages', [rec('1')], spec),
      vectors.upsert('messages', [rec('2'), rec('3')], spec),
      vectors.upsert('messages', [rec('4')], spec),
    ]);
    expect(calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(5);
    await done;
    expect(calls).toEqual(['upsert messages 1,2,3,4']);
    expect(await store.count('messages')).toBe(4);
  });

  it('never names an id twice in one call: a repeated id sends the waiting group first, in order', async () => {
    const { target, calls, store } = countingVectors();
    const vectors = new CoalescingVectorStore(target, { windowMs: 5, maxRecords: 500 });
    const done = Promise.all([
      vectors.upsert('messages', [rec('1', 1)], spec),
      vectors.upsert('messages', [rec('2')], spec),
      vectors.upsert('messages', [rec('1', 2)], spec),
    ]);
    expect(calls).toEqual(['upsert messages 1,2']);
    await vi.advanceTimersByTimeAsync(5);
    await done;
    expect(calls).toEqual(['upsert messages 1,2', 'upsert messages 1']);
    // The later write of id 1 is the one kept.
    const [nearest] = await store.query('messages', [2, 0.5], 1);
    expect(nearest).toMatchObject({ id: '1', embedding: [2, 0.5] });
  });

  it('keeps collections and specs apart, and never sends more than maxRecords at once', async () => {
    const { target, calls } = countingVectors();
    const vectors = new CoalescingVectorStore(target, { windowMs: 5, maxRecords: 3 });
    const done = Promise.allSettled([
      vectors.upsert('messages', [rec('1'), rec('2')], spec),
      vectors.upsert('attachments', [rec('9')], spec),
      vectors.upsert('messages', [rec('3')], { model: 'm2', dimension: 2 }),
      // 2 + 2 > 3: the first group goes now, this one starts the next.
      vectors.upsert('messages', [rec('4'), rec('5')], spec),
      // Fills the second group to 3: sent as soon as the first has answered, without waiting for the window.
      vectors.upsert('messages', [rec('6')], spec),
    ]);
    expect(calls).toEqual(['upsert messages 1,2']);
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toEqual(['upsert messages 1,2', 'upsert messages 4,5,6']);
    await vi.advanceTimersByTimeAsync(5);
    // The m2 write meets the collection pinned to m1: it alone fails, as it would without coalescing.
    expect((await done).map((r) => r.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
    ]);
    expect(calls.sort()).toEqual([
      'upsert attachments 9',
      'upsert messages 1,2',
      'upsert messages 3',
      'upsert messages 4,5,6',
    ]);
  });

  it('makes one call at a time per collection: the next group grows while the previous is under way', async () => {
    const { target, calls, store } = countingVectors();
    const answers: Array<() => void> = [];
    const slow: VectorStore = {
      ...target,
      upsert: async (c, records, s) => {
        await target.upsert(c, records, s);
        await new Promise<void>((r) => answers.push(r));
      },
    };
    const vectors = new CoalescingVectorStore(slow, { windowMs: 5, maxRecords: 500 });
    const first = vectors.upsert('messages', [rec('1')], spec);
    await vi.advanceTimersByTimeAsync(5);
    expect(calls).toEqual(['upsert messages 1']);
    // While that call is under way, later callers gather, well past their window, into one group.
    const later = [vectors.upsert('messages', [rec('2')], spec)];
    await vi.advanceTimersByTimeAsync(20);
    later.push(vectors.upsert('messages', [rec('3')], spec), vectors.upsert('messages', [rec('4')], spec));
    await vi.advanceTimersByTimeAsync(20);
    expect(calls).toEqual(['upsert messages 1']);
    answers.shift()!();
    await first;
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toEqual(['upsert messages 1', 'upsert messages 2,3,4']);
    answers.shift()!();
    await Promise.all(later);
    expect(await store.count('messages')).toBe(4);
  });

  it('when the shared call fails, writes each caller alone: only the bad caller fails', async () => {
    const { target, calls, store } = countingVectors((records) => records.some((r) => r.id === 'bad'));
    const vectors = new CoalescingVectorStore(target, { windowMs: 5, maxRecords: 500 });
    const done = Promise.allSettled([
      vectors.upsert('messages', [rec('1')], spec),
      vectors.upsert('messages', [rec('bad')], spec),
      vectors.upsert('messages', [rec('2')], spec),
    ]);
    await vi.advanceTimersByTimeAsync(5);
    const [a, b, c] = await done;
    expect([a.status, b.status, c.status]).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(calls[0]).toBe('upsert messages 1,bad,2');
    expect(await store.count('messages')).toBe(2);
  });

  it('passes deletes, queries, counts and pins straight through', async () => {
    const { target, calls } = countingVectors();
    const vectors = new CoalescingVectorStore(target, { windowMs: 5, maxRecords: 500 });
    const written = vectors.upsert('messages', [rec('1'), rec('2')], spec);
    await vi.advanceTimersByTimeAsync(5);
    await written;
    await vectors.delete('messages', ['2']);
    expect(calls).toEqual(['upsert messages 1,2', 'delete messages 2']);
    expect(await vectors.count('messages')).toBe(1);
    expect(await vectors.pinned('messages')).toEqual(spec);
    expect((await vectors.query('messages', [1, 0.5], 1))[0]?.id).toBe('1');
  });
});
