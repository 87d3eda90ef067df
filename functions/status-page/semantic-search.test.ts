import { SocialMessageCreated } from '@promethean/schemas/events/social-message';
import type { VectorStore } from '@promethean/shared/effects/effect-ports';
import { MemoryDocumentStore } from '@promethean/shared/effects/memory-document-store';
import { MemoryVectorStore } from '@promethean/shared/effects/memory-vector-store';
import { StoreUnavailableError } from '@promethean/shared/effects/storage-errors';
import { describe, expect, it } from 'vitest';
import { createdDocument } from '../agents/message-indexer/message-document.ts';
import { OfflineModelPort } from '../models/offline-model-port.ts';
import { searchMessages } from './semantic-search.ts';

const models = new OfflineModelPort();
const scope = { provider: 'echo', tenant: 'demo' };

async function indexed(texts: string[]) {
  const vectors = new MemoryVectorStore('echo', 'demo');
  const documents = new MemoryDocumentStore(scope);
  const embedded = await models.embed(texts);
  await documents.upsertMany(
    'messages',
    texts.map((content, i) =>
      createdDocument(
        scope,
        SocialMessageCreated.payload.parse({
          urn: `urn:echo:message:demo:${i + 1}`,
          foreign_id: String(i + 1),
          channel: { urn: 'urn:echo:channel:demo:general', foreign_id: 'general' },
          author: { urn: 'urn:echo:user:demo:ada', foreign_id: 'ada', name: 'Ada', bot: false },
          content,
          created_at: '2026-11-20T10:00:00.000Z',
        }),
      ),
    ),
  );
  await vectors.upsert(
    'messages',
    texts.map((document, i) => ({
      id: `urn:echo:message:demo:${i + 1}`,
      embedding: embedded.vectors[i] ?? [],
      document,
      metadata: { channel_id: 'general', author_id: 'ada', created_at: '2026-11-20T10:00:00.000Z' },
    })),
    { model: embedded.model, dimension: embedded.dimension },
  );
  return { vectors, documents };
}

describe('searchMessages', () => {
  it('ranks by distance and names the author from the message document, labelled offline', async () => {
    const ports = {
      models,
      ...(await indexed(['the ferry leaves at noon', 'ducks like bread', 'noon ferry again'])),
    };
    const outcome = await searchMessages(ports, 'ferry noon', 2);
    expect(outcome).toMatchObject({ kind: 'results', offline: true, model: 'offline-embed' });
    if (outcome.kind !== 'results') throw new Error('expected results');
    expect(outcome.hits).toHaveLength(2);
    expect(outcome.hits.map((h) => h.text).sort()).toEqual(['noon ferry again', 'the ferry leaves at noon']);
    expect(outcome.hits[0]!.distance).toBeLessThanOrEqual(outcome.hits[1]!.distance);
    expect(outcome.hits[0]).toMatchObject({ channel_id: 'general', author_id: 'ada', author_name: 'Ada' });
  });

  it('says when nothing is indexed, when the tenant keeps no vectors, and when models differ', async () => {
    expect(await searchMessages({ models, vectors: new MemoryVectorStore() }, 'x', 3)).toMatchObject({
      kind: 'nothing-indexed',
    });
    expect(await searchMessages({ models }, 'x', 3)).toEqual({ kind: 'no-vectors' });
    const vectors = new MemoryVectorStore();
    await vectors.upsert('messages', [{ id: 'a', embedding: [1, 0], document: 'a', metadata: {} }], {
      model: 'other-model',
      dimension: 2,
    });
    expect(await searchMessages({ models, vectors }, 'x', 3)).toMatchObject({ kind: 'model-mismatch' });
  });

  it('reports a vector store that fails or hangs instead of throwing', async () => {
    const failing = new MemoryVectorStore();
    failing.pinned = () =>
      Promise.reject(new StoreUnavailableError('Chroma is not reachable at http://127.0.0.1:9'));
    expect(await searchMessages({ models, vectors: failing }, 'x', 3)).toEqual({
      kind: 'unavailable',
      part: 'vector store',
      message: 'Chroma is not reachable at http://127.0.0.1:9',
    });
    const hanging = { pinned: () => new Promise<never>(() => undefined) } as unknown as VectorStore;
    const outcome = await searchMessages({ models, vectors: hanging }, 'x', 3, 20);
    expect(outcome).toMatchObject({ kind: 'unavailable', part: 'vector store' });
  });
});
