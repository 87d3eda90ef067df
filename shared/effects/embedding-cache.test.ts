import { describe, expect, it } from 'vitest';
import type { ModelPort } from './effect-ports.ts';
import {
  EMBEDDING_CACHE_COLLECTION,
  embeddingCacheId,
  inputHash,
  reachesUtf8Bytes,
  withEmbeddingCache,
} from './embedding-cache.ts';
import { MemoryDocumentStore } from './memory-document-store.ts';
import { packVector } from './packed-vector.ts';

/** A model that records every text it is asked to embed; vectors derive from the text and a salt. */
function countingModel(salt = 0, dimension = 3) {
  const asked: string[][] = [];
  const port: ModelPort = {
    complete: async () => ({ model: 'llm', offline: false, text: 'x' }),
    embed: async (texts) => {
      asked.push([...texts]);
      return {
        model: 'm1',
        offline: false,
        dimension,
        vectors: texts.map((t) =>
          Array.from({ length: dimension }, (_, i) => t.length + i + salt + t.charCodeAt(0) / 1000),
        ),
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

const scope = (tenant: string) => ({ provider: 'discord', tenant });

function cached(model: string, tenant = 'duck', store = new MemoryDocumentStore(scope(tenant)), salt = 0) {
  const inner = countingModel(salt);
  const lookups: Array<{ hits: number; misses: number }> = [];
  const port = withEmbeddingCache(inner.port, store, {
    model,
    ...scope(tenant),
    onLookup: (l) => lookups.push(l),
  });
  return { port, asked: inner.asked, lookups, store };
}

describe('embedding cache', () => {
  it('embeds a text once: the second call is answered from the store with the same vectors', async () => {
    const c = cached('m1');
    const first = await c.port.embed(['hello', 'world']);
    const second = await c.port.embed(['hello', 'world']);
    expect(c.asked).toEqual([['hello', 'world']]);
    expect(second.vectors).toEqual(first.vectors);
    expect(second).toMatchObject({ model: 'm1', dimension: 3, offline: false });
    expect(c.lookups).toEqual([
      { hits: 0, misses: 2 },
      { hits: 2, misses: 0 },
    ]);
    expect(await c.store.count(EMBEDDING_CACHE_COLLECTION)).toBe(2);
  });

  it('sends only the misses to the model and keeps the order of the answer', async () => {
    const c = cached('m1');
    const direct = countingModel();
    await c.port.embed(['a', 'bb']);
    const mixed = await c.port.embed(['ccc', 'a', 'dddd', 'bb']);
    expect(c.asked).toEqual([
      ['a', 'bb'],
      ['ccc', 'dddd'],
    ]);
    // The cache answers every vector rounded to float32 (what the vector store keeps), hit or miss.
    const model = (await direct.port.embed(['ccc', 'a', 'dddd', 'bb'])).vectors;
    expect(mixed.vectors).toEqual(model.map((v) => v.map(Math.fround)));
    expect(c.lookups.at(-1)).toEqual({ hits: 2, misses: 2 });
  });

  it('embeds the same text twice in one call once', async () => {
    const c = cached('m1');
    const answer = await c.port.embed(['same', 'same', 'other']);
    expect(c.asked).toEqual([['same', 'other']]);
    expect(answer.vectors[0]).toEqual(answer.vectors[1]);
    expect(answer.vectors).toHaveLength(3);
  });

  it('misses when the model changes, even for text cached under another model', async () => {
    const store = new MemoryDocumentStore(scope('duck'));
    const a = cached('model-a', 'duck', store);
    await a.port.embed(['hello']);
    const b = cached('model-b', 'duck', store, 100);
    const answer = await b.port.embed(['hello']);
    expect(b.asked).toEqual([['hello']]);
    expect(b.lookups).toEqual([{ hits: 0, misses: 1 }]);
    expect(answer.vectors[0]![0]).toBeGreaterThan(100);
    // Both entries stay: switching back to model-a is a hit again.
    expect(await store.count(EMBEDDING_CACHE_COLLECTION)).toBe(2);
    const again = cached('model-a', 'duck', store);
    await again.port.embed(['hello']);
    expect(again.asked).toEqual([]);
  });

  it('keys entries by {model, input_hash} and stores no text', async () => {
    const c = cached('m1');
    await c.port.embed(['a secret sentence']);
    const hash = await inputHash('a secret sentence');
    const doc = await c.store.get(EMBEDDING_CACHE_COLLECTION, await embeddingCacheId('m1', hash));
    expect(doc?.slots.vector?.value).toMatchObject({ model: 'm1', input_hash: hash, dimension: 3 });
    expect(JSON.stringify(doc)).not.toContain('secret');
  });

  // Until issue 18 a hit was the model's float64 vector exactly; now hit and miss both answer it rounded to
  // float32, which is what Chroma stores of it either way (embedding-cache.ts says why that is enough).
  it('stores the vector packed as float32 and answers hit and miss with the same float32 vector', async () => {
    const c = cached('m1');
    const model = (await countingModel().port.embed(['packed text'])).vectors[0]!;
    const first = await c.port.embed(['packed text']);
    expect(first.vectors).toEqual([model.map(Math.fround)]);
    // The counting model's values (length + i + 0.112) are not float32 values: the rounding is real.
    expect(first.vectors[0]).not.toEqual(model);
    const [entry] = await c.store.find(EMBEDDING_CACHE_COLLECTION, {});
    expect(entry?.slots.vector?.value).toMatchObject({ vector_f32: expect.any(String) });
    expect(entry?.slots.vector?.value).not.toHaveProperty('vector');
    expect(entry?.slots.vector?.value).not.toHaveProperty('vector_f64');
    expect((await c.port.embed(['packed text'])).vectors).toEqual(first.vectors);
    expect(c.asked).toEqual([['packed text']]);
    expect(c.lookups).toEqual([
      { hits: 0, misses: 1 },
      { hits: 1, misses: 0 },
    ]);
  });

  it('stores a vector beyond float32 range as float64 and answers it as the model gave it', async () => {
    const inner = countingModel();
    const huge: ModelPort = {
      ...inner.port,
      embed: async (texts) => ({
        ...(await inner.port.embed(texts)),
        vectors: texts.map(() => [1e39, 0.1, 2]),
      }),
    };
    const store = new MemoryDocumentStore(scope('duck'));
    const port = withEmbeddingCache(huge, store, { model: 'm1', ...scope('duck') });
    expect((await port.embed(['wide'])).vectors).toEqual([[1e39, 0.1, 2]]);
    const [entry] = await store.find(EMBEDDING_CACHE_COLLECTION, {});
    expect(entry?.slots.vector?.value).toMatchObject({ vector_f64: expect.any(String) });
    expect((await port.embed(['wide'])).vectors).toEqual([[1e39, 0.1, 2]]);
    expect(inner.asked).toEqual([['wide']]);
  });

  it.each([
    ['as a JSON array (`vector`)', (v: number[]) => ({ vector: v })],
    ['packed as float64 (`vector_f64`)', (v: number[]) => ({ vector_f64: packVector(v, 'f64') })],
  ])('still answers from entries written %s, rounded to float32 as a miss would be', async (_, form) => {
    const store = new MemoryDocumentStore(scope('duck'));
    const hash = await inputHash('older entry');
    const id = await embeddingCacheId('m1', hash);
    const value = { model: 'm1', input_hash: hash, dimension: 3, offline: false, ...form([0.5, -1.25, 0.1]) };
    await store.upsertMany(EMBEDDING_CACHE_COLLECTION, [
      {
        ...scope('duck'),
        foreign_id: id,
        urn: `urn:discord:embedding:duck:${id}`,
        index: {},
        slots: { vector: { version: '1', value } },
      },
    ]);
    const c = cached('m1', 'duck', store);
    expect((await c.port.embed(['older entry'])).vectors).toEqual([[0.5, -1.25, Math.fround(0.1)]]);
    expect(c.asked).toEqual([]);
    expect(c.lookups).toEqual([{ hits: 1, misses: 0 }]);
  });

  it("never answers one tenant from another tenant's cache", async () => {
    const a = cached('m1', 'alpha');
    const b = cached('m1', 'beta');
    await a.port.embed(['shared words']);
    await b.port.embed(['shared words']);
    expect(b.asked).toEqual([['shared words']]);
    expect(b.lookups).toEqual([{ hits: 0, misses: 1 }]);
    // Each tenant's store holds only its own entries (a scoped store refuses the other tenant's documents).
    const [entry] = await b.store.find(EMBEDDING_CACHE_COLLECTION, {});
    expect(entry).toMatchObject({ tenant: 'beta' });
    await expect(a.store.upsertMany(EMBEDDING_CACHE_COLLECTION, [entry!])).rejects.toThrow();
  });

  it('re-embeds everything when cached vectors have another dimension than the model now answers', async () => {
    const store = new MemoryDocumentStore(scope('duck'));
    await cached('m1', 'duck', store).port.embed(['old']);
    const wider = countingModel(0, 5);
    const lookups: Array<{ hits: number; misses: number }> = [];
    const port = withEmbeddingCache(wider.port, store, {
      model: 'm1',
      ...scope('duck'),
      onLookup: (l) => lookups.push(l),
    });
    const answer = await port.embed(['old', 'new']);
    expect(answer.dimension).toBe(5);
    expect(answer.vectors.every((v) => v.length === 5)).toBe(true);
    expect(wider.asked).toEqual([['new'], ['old', 'new']]);
    expect(lookups).toEqual([{ hits: 0, misses: 2 }]);
  });

  it('answers in the configured size when every text hits an entry of an older size', async () => {
    const store = new MemoryDocumentStore(scope('duck'));
    const narrow = withEmbeddingCache(countingModel().port, store, {
      model: 'm1',
      ...scope('duck'),
      now: () => 1_000,
    });
    await narrow.embed(['old', 'older']);
    // EMBED_DIMENSIONS changed from 3 to 5 under the same model: the 3-value entries are misses now.
    const wider = countingModel(0, 5);
    const lookups: Array<{ hits: number; misses: number }> = [];
    const port = withEmbeddingCache(wider.port, store, {
      model: 'm1',
      dimension: 5,
      now: () => 2_000,
      ...scope('duck'),
      onLookup: (l) => lookups.push(l),
    });
    const answer = await port.embed(['old', 'older']);
    expect(answer.dimension).toBe(5);
    expect(answer.vectors.map((v) => v.length)).toEqual([5, 5]);
    expect(wider.asked).toEqual([['old', 'older']]);
    expect(lookups).toEqual([{ hits: 0, misses: 2 }]);
    // The fresh 5-value entries replaced the old ones: the next call is answered from the store.
    await port.embed(['old', 'older']);
    expect(wider.asked).toHaveLength(1);
    expect(lookups.at(-1)).toEqual({ hits: 2, misses: 0 });
  });

  it('passes empty calls and every other model call straight through', async () => {
    const c = cached('m1');
    expect((await c.port.embed([])).vectors).toEqual([]);
    expect((await c.port.complete({ system: '', messages: [] })).text).toBe('x');
    expect(c.lookups).toEqual([]);
  });

  it('embeds without the cache when its store fails, and says so', async () => {
    const inner = countingModel();
    const errors: unknown[] = [];
    const broken = {
      getMany: async () => Promise.reject(new Error('store down')),
      upsertMany: async () => Promise.reject(new Error('store down')),
    } as unknown as MemoryDocumentStore;
    const port = withEmbeddingCache(inner.port, broken, {
      model: 'm1',
      ...scope('duck'),
      onStoreError: (e) => errors.push(e),
    });
    const answer = await port.embed(['still works']);
    expect(answer.vectors).toHaveLength(1);
    expect(inner.asked).toEqual([['still works']]);
    expect(errors).toHaveLength(2);
  });
});

describe('embedding cache: texts below the size floor', () => {
  function floored(minBytes: number, store = new MemoryDocumentStore(scope('duck'))) {
    const inner = countingModel();
    const usagePort: ModelPort = {
      ...inner.port,
      embed: async (texts) => ({
        ...(await inner.port.embed(texts)),
        usage: { prompt_tokens: texts.length, total_tokens: texts.length },
      }),
    };
    const lookups: Array<{ hits: number; misses: number }> = [];
    const port = withEmbeddingCache(usagePort, store, {
      model: 'm1',
      ...scope('duck'),
      minBytes,
      onLookup: (l) => lookups.push(l),
    });
    return { port, asked: inner.asked, lookups, store };
  }
  const long = 'a long text that is worth remembering';

  it('sends short texts straight to the model, never reading or writing the store for them', async () => {
    const c = floored(20);
    const first = await c.port.embed(['hi', 'ok']);
    await c.port.embed(['hi', 'ok']);
    expect(c.asked).toEqual([
      ['hi', 'ok'],
      ['hi', 'ok'],
    ]);
    // Reported as misses: the model embedded them.
    expect(c.lookups).toEqual([
      { hits: 0, misses: 2 },
      { hits: 0, misses: 2 },
    ]);
    expect(await c.store.count(EMBEDDING_CACHE_COLLECTION)).toBe(0);
    expect(first.usage).toEqual({ prompt_tokens: 2, total_tokens: 2 });
  });

  it('caches the long texts of a mixed call and answers in the call order, with the usage of both requests', async () => {
    const c = floored(20);
    const all = ['hi', long, 'ok', `${long}, twice`];
    const first = await c.port.embed(all);
    const second = await c.port.embed(all);
    // The two parts go out together, in either order.
    expect(c.asked).toHaveLength(3);
    expect(c.asked).toEqual(
      expect.arrayContaining([
        [long, `${long}, twice`],
        ['hi', 'ok'],
      ]),
    );
    expect(c.asked.filter((texts) => texts[0] === 'hi')).toHaveLength(2);
    expect(c.lookups).toEqual([
      { hits: 0, misses: 2 },
      { hits: 0, misses: 2 },
      { hits: 2, misses: 0 },
      { hits: 0, misses: 2 },
    ]);
    expect(await c.store.count(EMBEDDING_CACHE_COLLECTION)).toBe(2);
    const alone = await countingModel().port.embed(all);
    // Cached vectors are rounded to float32; the short texts' pass through as the model gave them.
    expect(first.vectors).toEqual([
      alone.vectors[0],
      alone.vectors[1]!.map(Math.fround),
      alone.vectors[2],
      alone.vectors[3]!.map(Math.fround),
    ]);
    expect(second.vectors).toEqual(first.vectors);
    expect(first.usage).toEqual({ prompt_tokens: 4, total_tokens: 4 });
    expect(second.usage).toEqual({ prompt_tokens: 2, total_tokens: 2 });
  });

  it("answers a mixed call in the model's size when the long texts hit entries of an older size", async () => {
    const store = new MemoryDocumentStore(scope('duck'));
    const before = floored(20, store);
    await before.port.embed([long]);
    // The same model now answers 5 dimensions (EMBED_DIMENSIONS changed): the cached entry has 3.
    const inner = countingModel(0, 5);
    const after = withEmbeddingCache(inner.port, store, { model: 'm1', ...scope('duck'), minBytes: 20 });
    const mixed = await after.embed(['hi', long]);
    expect(mixed.dimension).toBe(5);
    expect(mixed.vectors.map((v) => v.length)).toEqual([5, 5]);
  });

  it('measures the floor in UTF-8 bytes', () => {
    expect(reachesUtf8Bytes('abcd', 4)).toBe(true);
    expect(reachesUtf8Bytes('abc', 4)).toBe(false);
    // é is 2 bytes, 漢 3, and an emoji (a surrogate pair) 4.
    expect(reachesUtf8Bytes('éé', 4)).toBe(true);
    expect(reachesUtf8Bytes('éa', 4)).toBe(false);
    expect(reachesUtf8Bytes('漢a', 4)).toBe(true);
    expect(reachesUtf8Bytes('漢', 4)).toBe(false);
    expect(reachesUtf8Bytes('🦆', 4)).toBe(true);
    expect(reachesUtf8Bytes('🦆', 5)).toBe(false);
    for (const text of ['héllo wörld', '漢字かな', 'duck 🦆 pond', 'plain']) {
      const bytes = new TextEncoder().encode(text).length;
      expect(reachesUtf8Bytes(text, bytes)).toBe(true);
      expect(reachesUtf8Bytes(text, bytes + 1)).toBe(false);
    }
  });
});
