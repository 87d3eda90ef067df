/** The pinned-embedding rule every vector store adapter enforces, and the error it raises. */
import { NonRetriableError } from '../agent/agent-errors.ts';
import type { EmbeddingSpec, VectorCollection, VectorRecord } from './effect-ports.ts';

/**
 * A write used another embedding model or dimension than the collection is pinned to. Mixing
 * models makes every distance meaningless, so this is a hard error: re-embed into a new collection.
 */
export class VectorSchemaMismatchError extends NonRetriableError {
  override readonly name = 'VectorSchemaMismatchError';
  constructor(
    readonly collection: string,
    readonly pinned: EmbeddingSpec,
    readonly attempted: EmbeddingSpec,
  ) {
    super(
      `vector collection ${collection} is pinned to ${pinned.model}/${pinned.dimension} but the write used ` +
        `${attempted.model}/${attempted.dimension}`,
    );
  }
}

/**
 * The version of the text derivation behind each collection's vectors (what is embedded from a document);
 * recorded on the collection, and a change means re-embedding (shared/migrations/reembed/).
 */
export const CHUNKER_VERSIONS: Record<VectorCollection, string> = {
  messages: 'message-text-v1',
  attachments: 'attachment-text-v1',
  // The crawler's page summaries (functions/web-summarizer), embedded as written.
  web_summaries: 'web-summary-v1',
};

/** A metadata value's declared type (what a vector store's filters compare). */
export type VectorMetadataType = 'string' | 'number' | 'boolean';

/**
 * The metadata a collection's records carry, where its data contract declares it (`vectors.messages`:
 * what `functions/agents/message-embedder/message-vector-source.ts#metadataOf` writes). A record holds
 * every required key and no key outside these; the contract check reports any other key.
 */
export const MESSAGE_VECTOR_METADATA: {
  required: Record<string, VectorMetadataType>;
  optional: Record<string, VectorMetadataType>;
} = {
  required: { urn: 'string', channel_id: 'string' },
  optional: {
    space_id: 'string',
    author_id: 'string',
    author_bot: 'boolean',
    created_at: 'string',
    edited_at: 'string',
  },
};

/** Every metadata key a collection's records may hold, for the collections that declare them. */
export const DECLARED_VECTOR_METADATA_KEYS: Partial<Record<VectorCollection, readonly string[]>> = {
  messages: Object.freeze([
    ...Object.keys(MESSAGE_VECTOR_METADATA.required),
    ...Object.keys(MESSAGE_VECTOR_METADATA.optional),
  ]),
};

/** The collection name every adapter uses: `<provider>__<tenant>__<collection>`. */
export function vectorCollectionName(provider: string, tenant: string, collection: VectorCollection): string {
  return `${provider}__${tenant}__${collection}`;
}

/** Throws unless `spec` equals the pin and every record's embedding has the pinned dimension. */
export function assertMatchesPin(
  name: string,
  pinned: EmbeddingSpec,
  spec: EmbeddingSpec,
  records: readonly VectorRecord[],
): void {
  if (pinned.model !== spec.model || pinned.dimension !== spec.dimension) {
    throw new VectorSchemaMismatchError(name, pinned, spec);
  }
  const wrong = records.find((r) => r.embedding.length !== pinned.dimension);
  if (wrong) {
    throw new VectorSchemaMismatchError(name, pinned, {
      model: spec.model,
      dimension: wrong.embedding.length,
    });
  }
}
