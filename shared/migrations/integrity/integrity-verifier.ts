/**
 * The migration runner's `--verify-only` step for one tenant database: the integrity report of its
 * `messages` vectors in Chroma against its MongoDB documents, repaired on `--repair`.
 */
import type { ChromaClient, Collection } from 'chromadb';
import type { Db } from 'mongodb';
import type { StoredDocument } from '../../effects/document-store.ts';
import { fromMongoRecord, type MongoDocumentRecord } from '../../effects/mongo-document-codec.ts';
import { CHUNKER_VERSIONS, vectorCollectionName } from '../../effects/vector-schema.ts';
import type { DataTarget } from '../target-marker.ts';
import {
  collectionMetadata,
  integrityMarkdown,
  integrityReport,
  repairIntegrity,
} from './integrity-report.ts';
import type { Embedder, VectorSourceOf } from './vector-source.ts';

export interface IntegrityVerifierOptions {
  chroma: ChromaClient;
  embed: Embedder;
  sourceOf: VectorSourceOf;
  target: DataTarget;
  repair: boolean;
  spotChecks?: number;
  onProgress?: (label: string, done: number, total: number) => void;
}

/** Every message document of a tenant database, in `_id` order, decoded as readers decode them. */
async function* mongoMessages(db: Db): AsyncGenerator<StoredDocument> {
  for await (const record of db.collection<MongoDocumentRecord>('messages').find({}, { sort: { _id: 1 } })) {
    yield fromMongoRecord(record);
  }
}

export function integrityVerifier(options: IntegrityVerifierOptions) {
  return async (db: Db, scope: { provider: string; tenant: string } | undefined) => {
    if (!scope) return { ok: true, extra: { integrity: 'no documents' } };
    const name = vectorCollectionName(scope.provider, scope.tenant, 'messages');
    const open = async (): Promise<Collection | undefined> =>
      options.chroma.getCollection({ name }).catch(() => undefined);
    // The model the deployment embeds with now is what every vector must match.
    const probe = await options.embed(['probe']);
    const input = {
      documents: { [Symbol.asyncIterator]: () => mongoMessages(db) },
      sourceOf: options.sourceOf,
      collection: await open(),
      collectionName: name,
      expected: { model: probe.model, dimension: probe.dimension },
      embed: options.embed,
      spotChecks: options.spotChecks ?? 20,
      ...(options.onProgress && { onProgress: options.onProgress }),
    };
    const report = await integrityReport(input);
    if (report.ok || !options.repair) {
      return { ok: report.ok, extra: { integrity: report, integrity_markdown: integrityMarkdown(report) } };
    }
    const after = await repairIntegrity(report, {
      ...input,
      recreate: () =>
        options.chroma.createCollection({
          name,
          embeddingFunction: null,
          configuration: { hnsw: { space: 'cosine' } },
          metadata: collectionMetadata(input.expected, options.target, CHUNKER_VERSIONS.messages),
        }),
      drop: () => options.chroma.deleteCollection({ name }),
    });
    return {
      ok: after.ok,
      extra: {
        integrity: report,
        repaired: after,
        integrity_markdown: `${integrityMarkdown(report)}\n\nAfter --repair:\n\n${integrityMarkdown(after)}`,
      },
    };
  };
}
