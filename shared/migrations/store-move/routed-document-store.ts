/**
 * A DocumentStore that follows the tenant's document routing on every call (never cached: a cutover or a
 * rollback takes effect on the next call). Reads go to the routed read store; writes go to the read store
 * first (its failure fails the call, so the message is redelivered) and then to every other write store.
 * A failed second write is reported through `onSecondaryFailure` and is not lost: it landed in the primary,
 * whose change log the migration's CDC tails into the other store.
 */
import type { DocumentChange, DocumentChangeLog, ScanPage } from '../../effects/document-change-log.ts';
import type {
  DocumentCollection,
  DocumentStore,
  FindOptions,
  StoredDocument,
  UpsertOptions,
  UpsertResult,
} from '../../effects/document-store.ts';
import type { ControlStore } from '../control-store.ts';
import { type DocumentBackend, type DocumentRouting, readDocumentRouting } from './document-routing.ts';

export type DocumentStoreWithLog = DocumentStore & DocumentChangeLog;

export interface RoutedDocumentStoreOptions {
  control: ControlStore;
  stores: Record<DocumentBackend, DocumentStoreWithLog>;
  /** The backend providers.yml (or the deployment override) names, used while no routing was written. */
  configured: DocumentBackend;
  /** A second write failed: `documents` documents wait for the CDC tail (metrics count them). */
  onSecondaryFailure?: (
    backend: DocumentBackend,
    collection: DocumentCollection,
    error: unknown,
    documents: number,
  ) => void;
}

export class RoutedDocumentStore implements DocumentStoreWithLog {
  readonly #o: RoutedDocumentStoreOptions;

  constructor(options: RoutedDocumentStoreOptions) {
    this.#o = options;
  }

  async #routing(): Promise<DocumentRouting | { read: DocumentBackend; write: DocumentBackend[] }> {
    const { routing } = await readDocumentRouting(this.#o.control);
    return routing ?? { read: this.#o.configured, write: [this.#o.configured] };
  }

  async #reader(): Promise<DocumentStoreWithLog> {
    return this.#o.stores[(await this.#routing()).read];
  }

  async upsertMany(
    collection: DocumentCollection,
    docs: readonly StoredDocument[],
    options?: UpsertOptions,
  ): Promise<UpsertResult> {
    const routing = await this.#routing();
    const result = await this.#o.stores[routing.read].upsertMany(collection, docs, options);
    for (const backend of routing.write.filter((b) => b !== routing.read)) {
      await this.#o.stores[backend]
        .upsertMany(collection, docs)
        .catch((error: unknown) => this.#o.onSecondaryFailure?.(backend, collection, error, docs.length));
    }
    return result;
  }

  async get(collection: DocumentCollection, foreignId: string): Promise<StoredDocument | undefined> {
    return (await this.#reader()).get(collection, foreignId);
  }

  async getMany(collection: DocumentCollection, foreignIds: readonly string[]): Promise<StoredDocument[]> {
    return (await this.#reader()).getMany(collection, foreignIds);
  }

  async find(
    collection: DocumentCollection,
    index: Record<string, string>,
    options?: FindOptions,
  ): Promise<StoredDocument[]> {
    return (await this.#reader()).find(collection, index, options);
  }

  async count(collection: DocumentCollection, options?: { includeDeleted?: boolean }): Promise<number> {
    return (await this.#reader()).count(collection, options);
  }

  async changeHead(): Promise<number> {
    return (await this.#reader()).changeHead();
  }

  async changesAfter(after: number, limit: number): Promise<DocumentChange[]> {
    return (await this.#reader()).changesAfter(after, limit);
  }

  async scanPage(collection: DocumentCollection, after: string | null, limit: number): Promise<ScanPage> {
    return (await this.#reader()).scanPage(collection, after, limit);
  }

  /** Purging through the routed port would hit the live store; only a migration purges, on a named store. */
  async purge(collection: DocumentCollection): Promise<number> {
    throw new Error(`purge(${collection}) is not routed: a store move purges its old store directly`);
  }
}
