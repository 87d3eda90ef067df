/**
 * A reader's query for the nearest records to one embedded text, answered only from a collection pinned
 * to the model that embedded it. The pin is checked by the store in the same call that reads
 * (`VectorStore.query`'s `madeWith`), so a re-embed's cutover or rollback landing between the reader's
 * steps gives a clear "another model" answer, never a failed search or distances across two models.
 */
import type { EmbeddingSpec, VectorCollection, VectorMatch, VectorStore } from './effect-ports.ts';
import { VectorSchemaMismatchError } from './vector-schema.ts';

export type ModelMatchedAnswer =
  | { kind: 'matches'; matches: VectorMatch[] }
  /** No collection yet: nothing has been embedded here. */
  | { kind: 'nothing-indexed' }
  /** The collection read is pinned to another model or dimension than the query's. */
  | { kind: 'model-mismatch'; pinned: EmbeddingSpec };

export interface EmbeddedQuery {
  vector: readonly number[];
  spec: EmbeddingSpec;
}

export async function modelMatchedQuery(
  vectors: Pick<VectorStore, 'query' | 'pinned'>,
  collection: VectorCollection,
  query: EmbeddedQuery,
  k: number,
  where?: Record<string, string | number | boolean>,
): Promise<ModelMatchedAnswer> {
  let matches: VectorMatch[];
  try {
    matches = await vectors.query(collection, query.vector, k, where, query.spec);
  } catch (error) {
    if (error instanceof VectorSchemaMismatchError) return { kind: 'model-mismatch', pinned: error.pinned };
    throw error;
  }
  if (matches.length > 0) return { kind: 'matches', matches };
  // An empty answer comes from an empty filter or from no collection at all; only the second is "nothing
  // indexed", and only an empty answer pays for the extra read that tells them apart.
  return (await vectors.pinned(collection)) === undefined
    ? { kind: 'nothing-indexed' }
    : { kind: 'matches', matches };
}
