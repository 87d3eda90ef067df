import {
  CHUNKER_KEY,
  ChromaVectorStore,
  PIN_DIMENSION_KEY,
  PIN_MODEL_KEY,
  TARGET_KEY,
} from '@promethean/shared/effects/chroma-vector-store';
import type { VectorRecord } from '@promethean/shared/effects/effect-ports';
import {
  DECLARED_VECTOR_METADATA_KEYS,
  VectorSchemaMismatchError,
  vectorCollectionName,
} from '@promethean/shared/effects/vector-schema';
import { ChromaClient } from 'chromadb';
import { describe, expect, inject, it, vi } from 'vitest';
import { freePort } from '../servers/free-port.ts';
import { ChromaRequestLog } from './chroma-request-log.ts';
import { describeVectorStoreContract } from './vector-store-contract.ts';

const { chromaUrl } = inject('storageServers');

describeVectorStoreContract('Chroma (real server, from Node)', {
  store: (scope) => new ChromaVectorStore({ url: chromaUrl, ...scope, target: 'test' }),
});

// The same contract where `messages` declares its keys (the contract fixture's): writes are not read first,
// and a rewrite still keeps no key of the earlier version (the redelivery case).
describeVectorStoreContract('Chroma, declared metadata keys (no read before a write)', {
  store: (scope) =>
    new ChromaVectorStore({
      url: chromaUrl,
      ...scope,
      target: 'test',
      declaredMetadata: { messages: ['channel_id', 'pinned', 'n'] },
    }),
});

describe('ChromaVectorStore specifics', () => {
  const scope = { provider: 'contract', tenant: `chroma-${Math.random().toString(36).slice(2, 8)}` };

  it('creates <provider>__<tenant>__<collection> with cosine space and the pin in its metadata', async () => {
    const store = new ChromaVectorStore({ url: chromaUrl, ...scope, target: 'test' });
    await store.upsert('attachments', [{ id: 'a', embedding: [1, 2], document: 'x', metadata: {} }], {
      model: 'm',
      dimension: 2,
    });
    const url = new URL(chromaUrl);
    const client = new ChromaClient({ host: url.hostname, port: Number(url.port), ssl: false });
    const collection = await client.getCollection({
      name: vectorCollectionName(scope.provider, scope.tenant, 'attachments'),
    });
    expect(collection.metadata).toEqual({
      [PIN_MODEL_KEY]: 'm',
      [PIN_DIMENSION_KEY]: 2,
      [TARGET_KEY]: 'test',
      [CHUNKER_KEY]: 'attachment-text-v1',
    });
    expect(collection.configuration.hnsw?.space).toBe('cosine');
  });

  it('sends vectors packed (base64 float32) in one request, and Chroma stores exactly those values', async () => {
    const store = new ChromaVectorStore({ url: chromaUrl, ...scope, target: 'test' });
    const embedding = [0.1, -2.5, 1 / 3, 1e-7];
    const spec = { model: 'm', dimension: 4 };
    await store.upsert('messages', [{ id: 'warm', embedding, document: 'w', metadata: {} }], spec);
    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    try {
      await store.upsert(
        'messages',
        [{ id: 'p', embedding, document: 'packed', metadata: { channel_id: 'c1', author_bot: false } }],
        spec,
      );
      const upserts = fetchSpy.mock.calls.filter(([input]) => String(input).endsWith('/upsert'));
      expect(upserts).toHaveLength(1);
      const body = JSON.parse(String(upserts[0]![1]?.body)) as { embeddings: unknown[] };
      expect(body.embeddings).toEqual([expect.any(String)]);
    } finally {
      fetchSpy.mockRestore();
    }
    const url = new URL(chromaUrl);
    const client = new ChromaClient({ host: url.hostname, port: Number(url.port), ssl: false });
    const col = await client.getCollection({
      name: vectorCollectionName(scope.provider, scope.tenant, 'messages'),
    });
    // The same vector through the client itself: Chroma must hold the same values either way.
    await col.upsert({ ids: ['c'], embeddings: [embedding], documents: ['client'] });
    const got = await col.get({ ids: ['p', 'c'], include: ['embeddings', 'metadatas', 'documents'] });
    const byId = new Map(got.ids.map((id, i) => [id, i]));
    expect(got.embeddings[byId.get('p')!]).toEqual(got.embeddings[byId.get('c')!]);
    expect(got.metadatas[byId.get('p')!]).toEqual({ channel_id: 'c1', author_bot: false });
    expect(got.documents[byId.get('p')!]).toBe('packed');
  });

  it('refuses a vector holding a value that is not a finite number, naming the record', async () => {
    const store = new ChromaVectorStore({ url: chromaUrl, ...scope, target: 'test' });
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, '1' as unknown as number]) {
      await expect(
        store.upsert('messages', [{ id: 'n', embedding: [1, bad, 3, 4], document: 'x', metadata: {} }], {
          model: 'm',
          dimension: 4,
        }),
      ).rejects.toMatchObject({
        name: 'NonRetriableError',
        message: expect.stringMatching(/0\.embedding: embedding values must be finite numbers/),
      });
    }
  });

  it('refuses to write into a collection it did not create (no pin)', async () => {
    const url = new URL(chromaUrl);
    const client = new ChromaClient({ host: url.hostname, port: Number(url.port), ssl: false });
    const foreign = { provider: 'contract', tenant: `foreign-${scope.tenant}` };
    await client.createCollection({
      name: vectorCollectionName(foreign.provider, foreign.tenant, 'messages'),
      embeddingFunction: null,
    });
    const store = new ChromaVectorStore({ url: chromaUrl, ...foreign, target: 'test' });
    await expect(
      store.upsert('messages', [{ id: 'a', embedding: [1], document: 'x', metadata: {} }], {
        model: 'm',
        dimension: 1,
      }),
    ).rejects.toMatchObject({ name: 'UnpinnedVectorCollectionError' });
  });

  it('reports an unreachable server as StoreUnavailableError (retriable)', async () => {
    const store = new ChromaVectorStore({ url: `http://127.0.0.1:${await freePort()}`, ...scope });
    await expect(store.count('messages')).rejects.toMatchObject({ name: 'StoreUnavailableError' });
  });

  it('a store built later in the same isolate makes no pre-flight and no collection lookup', async () => {
    const own = { provider: 'contract', tenant: `kept-${scope.tenant}` };
    const spec = { model: 'm', dimension: 2 };
    const record = (id: string) => ({ id, embedding: [1, 0], document: id, metadata: {} });
    await new ChromaVectorStore({ url: chromaUrl, ...own, target: 'test' }).upsert(
      'messages',
      [record('a')],
      spec,
    );
    const requests = new ChromaRequestLog();
    try {
      // As the next queue batch does: new ports, so a new store, for the same tenant.
      const later = new ChromaVectorStore({ url: chromaUrl, ...own, target: 'test' });
      await later.upsert('messages', [record('b')], spec);
      expect(await later.count('messages')).toBe(2);
      const paths = requests.paths();
      // The stale-metadata read, the upsert and the count; no pre-flight-checks, no collection lookup.
      expect(paths).toEqual(['get', 'upsert', 'count']);
    } finally {
      requests.restore();
    }
  });

  it('opens a collection again when it was deleted or replaced behind a kept handle', async () => {
    const own = { provider: 'contract', tenant: `gone-${scope.tenant}` };
    const name = vectorCollectionName(own.provider, own.tenant, 'messages');
    const url = new URL(chromaUrl);
    const client = new ChromaClient({ host: url.hostname, port: Number(url.port), ssl: false });
    const store = () => new ChromaVectorStore({ url: chromaUrl, ...own, target: 'test' });
    const record = (id: string, embedding: number[]) => ({ id, embedding, document: id, metadata: {} });
    await store().upsert('messages', [record('a', [1, 0])], { model: 'm', dimension: 2 });

    // Deleted: the next write creates it again and lands; nothing of the old one is answered.
    await client.deleteCollection({ name });
    await store().upsert('messages', [record('b', [0, 1])], { model: 'm', dimension: 2 });
    expect(await store().count('messages')).toBe(1);
    expect((await store().query('messages', [0, 1], 5)).map((m) => m.id)).toEqual(['b']);

    // Replaced by a re-pinned collection of the same name (as a re-embed that reuses the name would):
    // reads and writes follow the new pin, and the old pin is refused.
    await client.deleteCollection({ name });
    await store().upsert('messages', [record('c', [1, 0, 0])], { model: 'm2', dimension: 3 });
    expect(await store().pinned('messages')).toEqual({ model: 'm2', dimension: 3 });
    expect((await store().query('messages', [1, 0, 0], 5)).map((m) => m.id)).toEqual(['c']);
    await expect(
      store().upsert('messages', [record('d', [1, 0])], { model: 'm', dimension: 2 }),
    ).rejects.toMatchObject({ name: 'VectorSchemaMismatchError' });

    // Deleted, then read: an absent collection counts 0 and answers no matches, as before.
    await client.deleteCollection({ name });
    expect(await store().count('messages')).toBe(0);
    expect(await store().query('messages', [1, 0, 0], 5)).toEqual([]);
    await store().delete('messages', ['c']);
  });

  it('with declared keys, an edit, re-embed or redelivery is written without a read and keeps no old key', async () => {
    const own = { provider: 'contract', tenant: `declared-${scope.tenant}` };
    const store = () =>
      new ChromaVectorStore({
        url: chromaUrl,
        ...own,
        target: 'test',
        declaredMetadata: DECLARED_VECTOR_METADATA_KEYS,
      });
    const spec = { model: 'm', dimension: 2 };
    const urn = 'urn:discord:message:1';
    const edited = {
      urn,
      channel_id: 'c1',
      space_id: 'g1',
      author_id: 'u1',
      author_bot: false,
      created_at: '2026-12-03T10:00:00.000Z',
      edited_at: '2026-12-03T10:05:00.000Z',
    };
    await store().upsert(
      'messages',
      [{ id: urn, embedding: [1, 0], document: 'v1', metadata: edited }],
      spec,
    );
    const requests = new ChromaRequestLog();
    try {
      // A rewrite that sets fewer keys: the author and edit are gone (a re-embed from an older document).
      await store().upsert(
        'messages',
        [{ id: urn, embedding: [0, 1], document: 'v2', metadata: { urn, channel_id: 'c2' } }],
        spec,
      );
      const paths = requests.paths();
      expect(paths).toEqual(['upsert']);
    } finally {
      requests.restore();
    }
    const [match] = await store().query('messages', [0, 1], 5);
    expect(match).toMatchObject({ id: urn, document: 'v2', metadata: { urn, channel_id: 'c2' } });
    expect(await store().query('messages', [0, 1], 5, { author_id: 'u1' })).toEqual([]);
    expect(await store().query('messages', [0, 1], 5, { channel_id: 'c1' })).toEqual([]);
    // Written again with every key (an edit redelivered): all of them are there once more.
    await store().upsert(
      'messages',
      [{ id: urn, embedding: [1, 0], document: 'v3', metadata: edited }],
      spec,
    );
    expect((await store().query('messages', [1, 0], 5, { author_bot: false }))[0]?.metadata).toEqual(edited);
    expect(await store().count('messages')).toBe(1);
  });

  it('with declared keys, refuses a record holding another key and writes nothing of its batch', async () => {
    const own = { provider: 'contract', tenant: `undeclared-${scope.tenant}` };
    const store = new ChromaVectorStore({
      url: chromaUrl,
      ...own,
      target: 'test',
      declaredMetadata: DECLARED_VECTOR_METADATA_KEYS,
    });
    const records: VectorRecord[] = [
      { id: 'ok', embedding: [1, 0], document: 'ok', metadata: { urn: 'ok', channel_id: 'c' } },
      { id: 'bad', embedding: [0, 1], document: 'bad', metadata: { urn: 'bad', channel_id: 'c', mood: 'x' } },
    ];
    await expect(store.upsert('messages', records, { model: 'm', dimension: 2 })).rejects.toMatchObject({
      name: 'NonRetriableError',
      message: expect.stringContaining('bad has metadata key "mood"'),
    });
    expect(await store.count('messages')).toBe(0);
    expect(await store.pinned('messages')).toBeUndefined();
  });

  it('upsert skips the stale-metadata read only when told no stored record has a key the new one lacks', async () => {
    const own = { provider: 'contract', tenant: `nostale-${scope.tenant}` };
    const store = new ChromaVectorStore({ url: chromaUrl, ...own, target: 'test' });
    const spec = { model: 'm', dimension: 2 };
    const record = (metadata: Record<string, string>) => ({
      id: 'a',
      embedding: [1, 0],
      document: 'a',
      metadata,
    });
    await store.upsert('messages', [record({ keep: 'x', gone: 'y' })], spec);
    const requests = new ChromaRequestLog();
    const gets = () => requests.count('get');
    try {
      await store.upsert('messages', [record({ keep: 'x2', gone: 'y2' })], spec, { noStaleKeys: true });
      expect(gets()).toBe(0);
      // Without the promise the store reads first and drops the record whose key would go stale.
      await store.upsert('messages', [record({ keep: 'x3' })], spec);
      expect(gets()).toBe(1);
    } finally {
      requests.restore();
    }
    const [match] = await store.query('messages', [1, 0], 1);
    expect(match?.metadata).toEqual({ keep: 'x3' });
    await store.drop('messages');
  });

  it('collection() answers the pinned collection, refuses another pin; drop() deletes it and forgets the handle', async () => {
    const own = { provider: 'contract', tenant: `open-${scope.tenant}` };
    const name = vectorCollectionName(own.provider, own.tenant, 'messages');
    const store = new ChromaVectorStore({ url: chromaUrl, ...own, target: 'test' });
    const col = await store.collection('messages', { model: 'm', dimension: 2 });
    expect(col.name).toBe(name);
    expect(col.metadata).toMatchObject({
      [PIN_MODEL_KEY]: 'm',
      [PIN_DIMENSION_KEY]: 2,
      [TARGET_KEY]: 'test',
    });
    await expect(store.collection('messages', { model: 'm', dimension: 3 })).rejects.toBeInstanceOf(
      VectorSchemaMismatchError,
    );
    await store.drop('messages');
    await store.drop('messages'); // absent is fine
    const url = new URL(chromaUrl);
    const client = new ChromaClient({ host: url.hostname, port: Number(url.port), ssl: false });
    expect(await client.getCollection({ name }).catch(() => 'gone')).toBe('gone');
    // The next write creates it again under the new pin, with no stale handle in the way.
    await store.upsert('messages', [{ id: 'b', embedding: [1, 0, 0], document: 'b', metadata: {} }], {
      model: 'm2',
      dimension: 3,
    });
    expect(await store.pinned('messages')).toEqual({ model: 'm2', dimension: 3 });
    await store.drop('messages');
  });
});
