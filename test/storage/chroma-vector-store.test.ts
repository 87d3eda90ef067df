import {
  CHUNKER_KEY,
  ChromaVectorStore,
  PIN_DIMENSION_KEY,
  PIN_MODEL_KEY,
  TARGET_KEY,
} from '@promethean/shared/effects/chroma-vector-store';
import { vectorCollectionName } from '@promethean/shared/effects/vector-schema';
import { ChromaClient } from 'chromadb';
import { describe, expect, inject, it } from 'vitest';
import { freePort } from '../servers/free-port.ts';
import { describeVectorStoreContract } from './vector-store-contract.ts';

const { chromaUrl } = inject('storageServers');

describeVectorStoreContract('Chroma (real server, from Node)', {
  store: (scope) => new ChromaVectorStore({ url: chromaUrl, ...scope, target: 'test' }),
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
});
