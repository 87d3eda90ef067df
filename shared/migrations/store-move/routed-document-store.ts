/**
 * A DocumentStore that follows the tenant's document routing: on every call, or (`routingOncePerInstance`)
 * once per instance, which the platform builds per message or request, so a cutover or a rollback takes
 * effect on the next invocation. Reads go to the routed read store; writes go to the read store
 * first (its failure fails the call, so the message is redelivered) and then to every other write store.
 * A failed second write is reported through `onSecondaryFailure` and is not lost: it landed in the primary,
 * whose change log the migration's CDC tails into the other store.
 */
import type { DocumentChange, DocumentChangeLog, ScanPage } from '../../effects/document-change-log.ts';
import {
  type DocumentCollection,
  type DocumentStore,
  type FindOptions,
  type FindQuery,
  findEach,
  type StoredDocument,
  type UpsertOptions,
  type UpsertResult,
} from '../../effects/document-store.ts';
import type { ControlStore } from '../control-store.ts';
import { type DocumentBackend, type DocumentRouting, readDocumentRouting } from './document-routing.ts';

export type DocumentStoreWithLog = DocumentStore & DocumentChangeLog;

export interface RoutedDocumentStoreOptions {
  control: ControlStore;
  stores: Record<DocumentBackend, DocumentStoreWithLog>;
  /** The backend providers.yml (or the deployment override) names, used while no routing was written. */
  configured: DocumentBackend;
  /**
   * Read the routing once and keep it for this instance's life (the Worker builds ports per invocation).
   * Why it is safe: every phase change keeps both stores correct for a writer still holding the routing of
   * the phase before — before dual-write its writes reach the old store, whose log CDC tails before and
   * after cutover; from dual-write on it writes both stores — which is the case of a writer that
   * read the routing just before a flip, only for the length of one invocation. Why: the read is one Durable
   * Object call (~1.3 ms in workerd, as much as the embedded store's `get`), paid by every routed call.
   */
  routingOncePerInstance?: boolean;
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
  #held: Promise<DocumentRouting | undefined> | undefined;

  constructor(options: RoutedDocumentStoreOptions) {
    this.#o = options;
  }

  async #routing(): Promise<DocumentRouting | { read: DocumentBackend; write: DocumentBackend[] }> {
    let routing: DocumentRouting | undefined;
    if (this.#o.routingOncePerInstance) {
      const held = this.#held ?? readDocumentRouting(this.#o.control).then((r) => r.routing);
      this.#held = held;
      // A failed read is not kept: the next call asks again.
      routing = await held.catch((error: unknown) => {
        if (this.#held === held) this.#held = undefined;
        throw error;
      });
    } else {
      routing = (await readDocumentRouting(this.#o.control)).routing;
    }
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

  async findMany(collection: DocumentCollection, queries: readonly FindQuery[]): Promise<StoredDocument[][]> {
    return findEach(await this.#reader(), collection, queries);
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
