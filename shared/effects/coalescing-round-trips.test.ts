import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CoalescingDocumentStore } from './coalescing-document-store.ts';
import { withCoalescedEmbeddings } from './coalescing-embeddings.ts';
import type { DocumentStore, StoredDocument } from './document-store.ts';
import type { ModelPort } from './effect-ports.ts';
import { withEmbeddingCache } from './embedding-cache.ts';
import { MemoryDocumentStore } from './memory-document-store.ts';

const scope = { provider: 'discord', tenant: 'duck' };

function doc(id: string, text = `text ${id}`, version = '1'): StoredDocument {
  return {
    ...scope,
    foreign_id: id,
    urn: `urn:discord:message:duck:${id}`,
    index: { channel: 'c1' },
    slots: { created: { version, value: { text } } },
  };
}

/** A memory store that records every call made to it (what crosses the wire in production). */
function countingStore(failWhen?: (docs: readonly StoredDocument[]) => boolean) {
  const store = new MemoryDocumentStore(scope);
  const calls: string[] = [];
  const target: DocumentStore = {
    upsertMany: async (c, docs, o) => {
      calls.push(`upsertMany ${c} ${docs.map((d) => d.foreign_id).join(',')}`);
      if (failWhen?.(docs)) throw new Error('refused');
      return store.upsertMany(c, docs, o);
    },
    get: (c, id) => store.get(c, id),
    getMany: async (c, ids) => {
      calls.push(`getMany ${c} ${ids.join(',')}`);
      return store.getMany(c, ids);
    },
    find: (c, i, o) => store.find(c, i, o),
    count: (c, o) => store.count(c, o),
  };
  return { target, calls, store };
}

function countingModel(fail?: (texts: readonly string[]) => boolean) {
  const asked: string[][] = [];
  const port: ModelPort = {
    complete: async () => ({ model: 'llm', offline: false, text: 'x' }),
    embed: async (texts) => {
      asked.push([...texts]);
      if (fail?.(texts)) throw new Error('model refused');
      return {
        model: 'm1',
        offline: false,
        dimension: 2,
        usage: { prompt_tokens: texts.length, total_tokens: texts.length },
        vectors: texts.map((t) => [t.length, t.charCodeAt(0)]),
      };
    },
    transcribe: async () => ({ model: 'stt', offline: false, text: '', confidence: 0 }),
    synthesize: async () => ({
      model: 'tts',
      offline: false,
      pcm: new Uint8Array(),
      sample_rate: 1,
      channels: 1,
    }),
    describeImage: async () => undefined,
  };
  return { port, asked };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('CoalescingDocumentStore', () => {
  it('sends the writes of one window in one upsertMany and answers each caller its own documents', async () => {
    const { target, calls } = countingStore();
    const store = new CoalescingDocumentStore(target, { windowMs: 5, maxDocuments: 500 });
    const answers = Promise.all([
      store.upsertMany('messages', [doc('1')], { returnDocuments: true }),
      store.upsertMany('messages', [doc('2'), doc('3')], { returnDocuments: true }),
      store.upsertMany('messages', [doc('1')], { returnDocuments: true }),
    ]);
    await vi.advanceTimersByTimeAsync(5);
    const [a, b, c] = await answers;
    expect(calls).toEqual(['upsertMany messages 1,2,3,1']);
    expect(a.documents!.map((d) => d.foreign_id)).toEqual(['1']);
    expect(b.documents!.map((d) => d.foreign_id)).toEqual(['2', '3']);
    expect(c.documents!.map((d) => d.foreign_id)).toEqual(['1']);
    // Three documents written, the repeated one unchanged: the totals are the shared call's.
    expect(a.written + b.written + c.written).toBe(3);
  });

  it('keeps collections and answer kinds apart, and sends a full group at once', async () => {
    const { target, calls } = countingStore();
    const store = new CoalescingDocumentStore(target, { windowMs: 5, maxDocuments: 3 });
    const answers = Promise.all([
      store.upsertMany('messages', [doc('1'), doc('2')]),
      store.upsertMany('attachments', [doc('9')]),
      store.upsertMany('messages', [doc('3')], { returnDocuments: true }),
      // Would make 4 > 3 with the first group: the first group goes now, this one starts the next.
      store.upsertMany('messages', [doc('4'), doc('5')]),
    ]);
    expect(calls).toEqual(['upsertMany messages 1,2']);
    await vi.advanceTimersByTimeAsync(5);
    await answers;
    expect(calls.sort()).toEqual([
      'upsertMany attachments 9',
      'upsertMany messages 1,2',
      'upsertMany messages 3',
      'upsertMany messages 4,5',
    ]);
  });

  it('when the shared write fails, writes each caller alone: only the bad caller fails', async () => {
    const { target, calls, store: inner } = countingStore((docs) => docs.some((d) => d.foreign_id === 'bad'));
    const store = new CoalescingDocumentStore(target, { windowMs: 5, maxDocuments: 500 });
    const answers = Promise.allSettled([
      store.upsertMany('messages', [doc('1')]),
      store.upsertMany('messages', [doc('bad')]),
      store.upsertMany('messages', [doc('2')]),
    ]);
    await vi.advanceTimersByTimeAsync(5);
    const [a, b, c] = await answers;
    expect(a.status).toBe('fulfilled');
    expect(b.status).toBe('rejected');
    expect(c.status).toBe('fulfilled');
    expect(calls[0]).toBe('upsertMany messages 1,bad,2');
    expect((await inner.getMany('messages', ['1', '2'])).map((d) => d.foreign_id).sort()).toEqual(['1', '2']);
  });

  it('reads the ids of one window in one getMany; each caller gets its own ids, as copies', async () => {
    const { target, calls, store: inner } = countingStore();
    await inner.upsertMany('messages', [doc('1'), doc('2'), doc('3')]);
    const store = new CoalescingDocumentStore(target, { windowMs: 5, maxDocuments: 500 });
    const answers = Promise.all([
      store.getMany('messages', ['1', 'missing']),
      store.getMany('messages', ['1', '3']),
    ]);
    await vi.advanceTimersByTimeAsync(5);
    const [a, b] = await answers;
    expect(calls).toEqual(['getMany messages 1,missing,3']);
    expect(a.map((d) => d.foreign_id)).toEqual(['1']);
    expect(b.map((d) => d.foreign_id)).toEqual(['1', '3']);
    expect(a[0]).not.toBe(b[0]);
  });
});

describe('withCoalescedEmbeddings', () => {
  it('embeds the texts of one window in one request and answers each caller its own vectors', async () => {
    const { port, asked } = countingModel();
    const models = withCoalescedEmbeddings(port, { windowMs: 5, maxInputs: 96 });
    const answers = Promise.all([models.embed(['a']), models.embed(['bb', 'ccc']), models.embed(['dddd'])]);
    await vi.advanceTimersByTimeAsync(5);
    const [a, b, c] = await answers;
    expect(asked).toEqual([['a', 'bb', 'ccc', 'dddd']]);
    expect(a.vectors).toEqual([[1, 97]]);
    expect(b.vectors).toEqual([
      [2, 98],
      [3, 99],
    ]);
    expect(c.vectors).toEqual([[4, 100]]);
    // Usage is reported once, so token totals stay exact.
    expect([a.usage, b.usage, c.usage]).toEqual([
      { prompt_tokens: 4, total_tokens: 4 },
      undefined,
      undefined,
    ]);
    expect(b).toMatchObject({ model: 'm1', dimension: 2, offline: false });
  });

  it('never sends more than maxInputs texts at once, and falls back to each caller alone on failure', async () => {
    const { port, asked } = countingModel((texts) => texts.includes('poison'));
    const models = withCoalescedEmbeddings(port, { windowMs: 5, maxInputs: 3 });
    const answers = Promise.allSettled([
      models.embed(['a', 'b']),
      models.embed(['c', 'd']),
      models.embed(['poison']),
    ]);
    await vi.advanceTimersByTimeAsync(5);
    const [a, b, c] = await answers;
    expect(asked[0]).toEqual(['a', 'b']);
    expect(asked.slice(1)).toEqual([['c', 'd', 'poison'], ['c', 'd'], ['poison']]);
    expect(a.status).toBe('fulfilled');
    expect(b.status).toBe('fulfilled');
    expect(c.status).toBe('rejected');
  });

  it('keeps the embedding cache semantics: only misses reach the model, each once', async () => {
    // The cache hashes with WebCrypto before it embeds: real timers, so the window opens after that.
    vi.useRealTimers();
    const { port, asked } = countingModel();
    const store = new MemoryDocumentStore(scope);
    const cached = withEmbeddingCache(withCoalescedEmbeddings(port, { windowMs: 5, maxInputs: 96 }), store, {
      model: 'm1',
      ...scope,
    });
    const [h, w] = await Promise.all([cached.embed(['hello']), cached.embed(['world'])]);
    // One shared request with both misses; their order is whichever cache lookup finished first.
    expect(asked.map((texts) => [...texts].sort())).toEqual([['hello', 'world']]);
    const again = await cached.embed(['hello', 'world']);
    expect(asked).toHaveLength(1);
    expect(again.vectors).toEqual([...h.vectors, ...w.vectors]);
  });
});
