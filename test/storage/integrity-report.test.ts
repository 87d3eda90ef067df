/** The integrity report against a real Chroma: each kind of planted drift is found, by id, and repaired. */
import { messageVectorSource } from '@promethean/functions/agents/message-embedder/message-vector-source';
import {
  createdDocument,
  updatedDocument,
} from '@promethean/functions/agents/message-indexer/message-document';
import { hashedEmbedding } from '@promethean/functions/models/offline-embedding';
import { ChromaVectorStore, chromaClientArgs } from '@promethean/shared/effects/chroma-vector-store';
import type { StoredDocument } from '@promethean/shared/effects/document-store';
import { mergeDocument } from '@promethean/shared/effects/document-store';
import { CHUNKER_VERSIONS, vectorCollectionName } from '@promethean/shared/effects/vector-schema';
import {
  collectionMetadata,
  type IntegrityInput,
  integrityReport,
  repairIntegrity,
} from '@promethean/shared/migrations/integrity/integrity-report';
import type { Embedder } from '@promethean/shared/migrations/integrity/vector-source';
import { ChromaClient } from 'chromadb';
import { describe, expect, inject, it } from 'vitest';

const { chromaUrl } = inject('storageServers');
const chroma = new ChromaClient(chromaClientArgs(chromaUrl));
const spec = { model: 'offline-embed', dimension: 16 };
const embed: Embedder = async (texts) => ({ ...spec, vectors: texts.map((t) => hashedEmbedding(t, 16)) });

function messages(tenant: string, n: number): StoredDocument[] {
  return Array.from({ length: n }, (_, i) => {
    const id = String(1_000_000 + i);
    return createdDocument(
      { provider: 'contract', tenant },
      {
        urn: `urn:contract:message:${tenant}:${id}`,
        foreign_id: id,
        channel: { urn: `urn:contract:channel:${tenant}:c${i % 3}`, foreign_id: `c${i % 3}` },
        is_direct: false,
        author: { urn: `urn:contract:user:${tenant}:u`, foreign_id: 'u', bot: false },
        content: `message number ${i} about ducks`,
        created_at: '2026-01-01T00:00:00.000Z',
        attachments: [],
        mentions: { users: [], roles: [], everyone: false, bot: false },
      },
    );
  });
}

async function seeded(tenant: string, docs: StoredDocument[]) {
  const store = new ChromaVectorStore({ url: chromaUrl, provider: 'contract', tenant, target: 'test' });
  const sources = docs.map(messageVectorSource).flatMap((s) => (s.skip === undefined ? [s] : []));
  const { vectors } = await embed(sources.map((s) => s.text));
  await store.upsert(
    'messages',
    sources.map((s, i) => ({ id: s.id, embedding: vectors[i]!, document: s.text, metadata: s.metadata })),
    spec,
  );
  const name = vectorCollectionName('contract', tenant, 'messages');
  return { name, col: await chroma.getCollection({ name }) };
}

function input(
  docs: StoredDocument[],
  name: string,
  col: IntegrityInput['collection'],
): IntegrityInput & { embed: Embedder } {
  return {
    documents: docs,
    sourceOf: messageVectorSource,
    collection: col,
    collectionName: name,
    expected: spec,
    embed,
    spotChecks: 1000,
  };
}

describe('integrity report', () => {
  it('finds nothing in a collection in step with its documents, comparing one range', async () => {
    const docs = messages('integrity-clean', 120);
    const { name, col } = await seeded('integrity-clean', docs);
    const report = await integrityReport(input(docs, name, col));
    expect(report).toMatchObject({
      ok: true,
      drift: [],
      ranges_compared: 1,
      counts: { documents: 120, vectors: 120 },
    });
    expect(report.spot_checks).toEqual({ checked: 120, failed: 0 });
    await chroma.deleteCollection({ name });
  });

  it('finds each planted drift by id (vectors deleted, text changed without an event, orphans, metadata, a tampered vector), then repairs it', async () => {
    const tenant = 'integrity-drift';
    const docs = messages(tenant, 300);
    const { name, col } = await seeded(tenant, docs);
    const urn = (i: number) => docs[i]!.urn;
    await col.delete({ ids: [urn(3), urn(150), urn(299)] });
    // Text changed in the document store behind the pipeline's back (no event, so no re-embed).
    for (const i of [10, 200]) {
      const edit = updatedDocument(
        { provider: 'contract', tenant },
        {
          urn: urn(i),
          foreign_id: docs[i]!.foreign_id,
          channel: { urn: `urn:contract:channel:${tenant}:c${i % 3}`, foreign_id: `c${i % 3}` },
          is_direct: false,
          content: 'silently rewritten',
          edited_at: '2026-01-02T00:00:00.000Z',
        },
      );
      docs[i] = mergeDocument(docs[i], edit).doc;
    }
    await col.add({
      ids: ['urn:contract:message:x:orphan1', 'urn:contract:message:x:orphan2'],
      embeddings: [hashedEmbedding('a', 16), hashedEmbedding('b', 16)],
      documents: ['a', 'b'],
      metadatas: [
        { urn: 'o1', channel_id: 'c' },
        { urn: 'o2', channel_id: 'c' },
      ],
    });
    await col.update({ ids: [urn(42)], metadatas: [{ channel_id: 'moved' }] });
    await col.update({ ids: [urn(77)], embeddings: [hashedEmbedding('something else entirely', 16)] });

    const report = await integrityReport(input(docs, name, col));
    expect(report.by_kind).toEqual({
      missing_vector: 3,
      orphan_vector: 2,
      text_mismatch: 2,
      metadata_mismatch: 1,
      spot_check_failed: 1,
    });
    expect(
      report.drift
        .filter((d) => d.kind === 'missing_vector')
        .map((d) => d.id)
        .sort(),
    ).toEqual([urn(3), urn(150), urn(299)].sort());
    expect(report.drift.find((d) => d.kind === 'spot_check_failed')?.id).toBe(urn(77));
    // Bisection: far fewer range comparisons than records, each differing id isolated.
    expect(report.ranges_compared).toBeLessThan(150);

    const after = await repairIntegrity(report, {
      ...input(docs, name, col),
      recreate: async () => chroma.createCollection({ name, embeddingFunction: null }),
      drop: async () => chroma.deleteCollection({ name }),
    });
    expect(after).toMatchObject({ ok: true, drift: [], counts: { vectors: 300 } });
    await chroma.deleteCollection({ name });
  });

  it('finds a collection pinned to the wrong dimension, and rebuilds it pinned right', async () => {
    const tenant = 'integrity-dim';
    const docs = messages(tenant, 50);
    const name = vectorCollectionName('contract', tenant, 'messages');
    const wrong = await chroma.createCollection({
      name,
      embeddingFunction: null,
      metadata: collectionMetadata(
        { model: 'offline-embed', dimension: 8 },
        'test',
        CHUNKER_VERSIONS.messages,
      ),
    });
    await wrong.add({ ids: [docs[0]!.urn], embeddings: [hashedEmbedding('x', 8)], documents: ['x'] });
    const report = await integrityReport(input(docs, name, wrong));
    expect(report.drift).toEqual([
      {
        kind: 'wrong_collection_spec',
        id: name,
        detail: 'pinned offline-embed/8, expected offline-embed/16',
      },
    ]);
    const after = await repairIntegrity(report, {
      ...input(docs, name, wrong),
      recreate: async () =>
        chroma.createCollection({
          name,
          embeddingFunction: null,
          configuration: { hnsw: { space: 'cosine' } },
          metadata: collectionMetadata(spec, 'test', CHUNKER_VERSIONS.messages),
        }),
      drop: async () => chroma.deleteCollection({ name }),
    });
    expect(after).toMatchObject({ ok: true, pin: spec, counts: { vectors: 50 } });
    await chroma.deleteCollection({ name });
  });

  it('reports a missing collection when documents expect vectors', async () => {
    const docs = messages('integrity-none', 5);
    const report = await integrityReport(input(docs, 'contract__integrity-none__messages', undefined));
    expect(report.by_kind).toEqual({ missing_collection: 1 });
  });
});
