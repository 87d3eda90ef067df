/**
 * A VectorStore that follows the tenant's vector routing on every call (never cached, so a cutover or a
 * rollback takes effect on the next request): queries read the routed read collection; upserts go to every
 * write collection pinned to the writer's model (the collection of another model is caught up by the
 * migration, which re-embeds); deletes go to every write collection (deletes need no model). A failed
 * second write is counted and its ids kept for the migration's next catch-up, never dropped silently.
 */
import type { DocumentStore } from '../../effects/document-store.ts';
import type {
  EmbeddingSpec,
  VectorCollection,
  VectorMatch,
  VectorRecord,
  VectorStore,
} from '../../effects/effect-ports.ts';
import { readRouting } from './vector-routing.ts';

export interface RoutedVectorStoreOptions {
  documents: DocumentStore;
  /** A store writing the named collection (a ChromaVectorStore with `names`). */
  storeFor: (collection: VectorCollection, name: string) => VectorStore;
  /** The store of the default collections (no routing written). */
  fallback: VectorStore;
  /** A secondary write failed: the ids go to the retry list (metrics count them). */
  onSecondaryFailure?: (collection: VectorCollection, name: string, ids: string[], error: unknown) => void;
}

export class RoutedVectorStore implements VectorStore {
  readonly #o: RoutedVectorStoreOptions;

  constructor(options: RoutedVectorStoreOptions) {
    this.#o = options;
  }

  async upsert(
    collection: VectorCollection,
    records: readonly VectorRecord[],
    spec: EmbeddingSpec,
  ): Promise<void> {
    const routing = await readRouting(this.#o.documents, collection);
    if (!routing) return this.#o.fallback.upsert(collection, records, spec);
    const targets = routing.write.filter(
      (t) => t.spec.model === spec.model && t.spec.dimension === spec.dimension,
    );
    // The primary is the read collection when it takes this model; its failure fails the call (redelivery).
    const primary = targets.find((t) => t.name === routing.read.name) ?? targets[0];
    if (!primary) {
      // No collection takes this model: writing would mix models. The write stays with the document store,
      // and the migration's catch-up re-embeds it into the routed collections.
      return;
    }
    await this.#o.storeFor(collection, primary.name).upsert(collection, records, spec);
    for (const t of targets.filter((x) => x !== primary)) {
      await this.#o
        .storeFor(collection, t.name)
        .upsert(collection, records, spec)
        .catch((error: unknown) =>
          this.#o.onSecondaryFailure?.(
            collection,
            t.name,
            records.map((r) => r.id),
            error,
          ),
        );
    }
  }

  async query(
    collection: VectorCollection,
    embedding: readonly number[],
    k: number,
    where?: Record<string, string | number | boolean>,
    madeWith?: EmbeddingSpec,
  ): Promise<VectorMatch[]> {
    // One routing read decides the collection, and that collection checks `madeWith` against its own pin.
    const routing = await readRouting(this.#o.documents, collection);
    const store = routing ? this.#o.storeFor(collection, routing.read.name) : this.#o.fallback;
    return store.query(collection, embedding, k, where, madeWith);
  }

  async count(collection: VectorCollection): Promise<number> {
    const routing = await readRouting(this.#o.documents, collection);
    return (routing ? this.#o.storeFor(collection, routing.read.name) : this.#o.fallback).count(collection);
  }

  async delete(collection: VectorCollection, ids: readonly string[]): Promise<void> {
    const routing = await readRouting(this.#o.documents, collection);
    if (!routing) return this.#o.fallback.delete(collection, ids);
    const [first, ...rest] = routing.write;
    if (first) await this.#o.storeFor(collection, first.name).delete(collection, ids);
    for (const t of rest) {
      await this.#o
        .storeFor(collection, t.name)
        .delete(collection, ids)
        .catch((error: unknown) => this.#o.onSecondaryFailure?.(collection, t.name, [...ids], error));
    }
  }

  async pinned(collection: VectorCollection): Promise<EmbeddingSpec | undefined> {
    const routing = await readRouting(this.#o.documents, collection);
    return routing ? routing.read.spec : this.#o.fallback.pinned(collection);
  }
}
