/**
 * The DocumentStore port over a tenant's document Durable Object — `TenantDocuments` (SQLite) or
 * `MongoDocuments` (MongoDB): both serve the same RPC surface. Documents are validated once, by the
 * object that receives them (the RPC is the boundary); its refusal comes back as data and is thrown here
 * as the typed, non-retriable `InvalidDocumentError`. Failures of the call itself come back as a
 * retriable `StoreUnavailableError` carrying the tenant.
 */
import { AgentError } from '@promethean/shared/agent/agent-errors';
import type {
  DocumentChange,
  DocumentChangeLog,
  ScanPage,
} from '@promethean/shared/effects/document-change-log';
import { acceptedOrThrow, type DocumentRefusal } from '@promethean/shared/effects/document-refusal';
import type {
  DocumentCollection,
  DocumentStore,
  FindOptions,
  FindQuery,
  StoredDocument,
  UpsertOptions,
  UpsertResult,
} from '@promethean/shared/effects/document-store';
import {
  type DocumentScope,
  parseCollection,
  parseCountOptions,
  parseFind,
  parseFindMany,
  parseForeignId,
  parseForeignIds,
} from '@promethean/shared/effects/document-validation';
import { StoreUnavailableError } from '@promethean/shared/effects/storage-errors';
import { documentObjectName } from './document-object-name.ts';
import type { MongoDocuments } from './mongo-documents.ts';
import type { TenantDocuments } from './tenant-documents.ts';

/** Either document Durable Object class; their RPC methods are identical. */
export type DocumentObjectNamespace =
  | DurableObjectNamespace<TenantDocuments>
  | DurableObjectNamespace<MongoDocuments>;

/** The common RPC surface, as seen through a stub. */
interface DocumentObjectStub {
  upsertChecked(
    collection: unknown,
    docs: unknown,
    options?: unknown,
  ): Promise<UpsertResult | DocumentRefusal>;
  get(collection: DocumentCollection, foreignId: string): Promise<unknown>;
  getMany(collection: DocumentCollection, foreignIds: string[]): Promise<unknown>;
  find(
    collection: DocumentCollection,
    index: Record<string, string>,
    options?: FindOptions,
  ): Promise<unknown>;
  findMany(collection: DocumentCollection, queries: FindQuery[]): Promise<unknown>;
  count(collection: DocumentCollection, options?: { includeDeleted?: boolean }): Promise<number>;
  changeHead(): Promise<number>;
  changesAfter(after: number, limit: number): Promise<unknown>;
  scanPage(collection: DocumentCollection, after: string | null, limit: number): Promise<unknown>;
  purge(collection: DocumentCollection): Promise<number>;
  restoreChecked(
    collection: DocumentCollection,
    scope: DocumentScope,
    docs: unknown,
    remove: string[],
  ): Promise<{ restored: number } | DocumentRefusal>;
}

export class DurableObjectDocumentStore implements DocumentStore, DocumentChangeLog {
  readonly #stub: DocumentObjectStub;
  readonly #scope: DocumentScope;

  constructor(namespace: DocumentObjectNamespace, provider: string, tenant: string) {
    this.#scope = { provider, tenant };
    const ns = namespace as DurableObjectNamespace<TenantDocuments>;
    this.#stub = ns.get(ns.idFromName(documentObjectName(this.#scope))) as unknown as DocumentObjectStub;
  }

  async upsertMany(
    collection: DocumentCollection,
    docs: readonly StoredDocument[],
    options?: UpsertOptions,
  ): Promise<UpsertResult> {
    const answer = await this.#call('upsertMany', () => this.#stub.upsertChecked(collection, docs, options));
    return acceptedOrThrow(answer, this.#scope);
  }

  async get(collection: DocumentCollection, foreignId: string): Promise<StoredDocument | undefined> {
    const name = parseCollection(collection, this.#scope);
    const id = parseForeignId(foreignId, this.#scope);
    return this.#call('get', () => this.#stub.get(name, id) as Promise<StoredDocument | undefined>);
  }

  async getMany(collection: DocumentCollection, foreignIds: readonly string[]): Promise<StoredDocument[]> {
    const name = parseCollection(collection, this.#scope);
    const ids = parseForeignIds(foreignIds, this.#scope);
    if (ids.length === 0) return [];
    return this.#call('getMany', () => this.#stub.getMany(name, ids) as Promise<StoredDocument[]>);
  }

  async find(
    collection: DocumentCollection,
    index: Record<string, string>,
    options?: FindOptions,
  ): Promise<StoredDocument[]> {
    const name = parseCollection(collection, this.#scope);
    const query = parseFind(index, options, this.#scope);
    return this.#call(
      'find',
      () => this.#stub.find(name, query.index, query.options) as Promise<StoredDocument[]>,
    );
  }

  /** Several finds in one round trip (a crawled page's near-duplicate lookups). */
  async findMany(collection: DocumentCollection, queries: readonly FindQuery[]): Promise<StoredDocument[][]> {
    const name = parseCollection(collection, this.#scope);
    const parsed = parseFindMany(queries, this.#scope);
    return this.#call('findMany', () => this.#stub.findMany(name, parsed) as Promise<StoredDocument[][]>);
  }

  async count(collection: DocumentCollection, options?: { includeDeleted?: boolean }): Promise<number> {
    const name = parseCollection(collection, this.#scope);
    const o = parseCountOptions(options, this.#scope);
    return this.#call('count', () => this.#stub.count(name, o));
  }

  async changeHead(): Promise<number> {
    return this.#call('changeHead', () => this.#stub.changeHead());
  }

  async changesAfter(after: number, limit: number): Promise<DocumentChange[]> {
    return this.#call(
      'changesAfter',
      () => this.#stub.changesAfter(after, limit) as Promise<DocumentChange[]>,
    );
  }

  async scanPage(collection: DocumentCollection, after: string | null, limit: number): Promise<ScanPage> {
    const name = parseCollection(collection, this.#scope);
    return this.#call('scanPage', () => this.#stub.scanPage(name, after, limit) as Promise<ScanPage>);
  }

  async purge(collection: DocumentCollection): Promise<number> {
    const name = parseCollection(collection, this.#scope);
    return this.#call('purge', () => this.#stub.purge(name));
  }

  async restore(
    collection: DocumentCollection,
    _scope: DocumentScope,
    docs: readonly StoredDocument[],
    remove: readonly string[],
  ): Promise<number> {
    const name = parseCollection(collection, this.#scope);
    const ids = parseForeignIds(remove, this.#scope);
    const answer = await this.#call('restore', () =>
      this.#stub.restoreChecked(name, this.#scope, [...docs], ids),
    );
    return acceptedOrThrow(answer, this.#scope).restored;
  }

  /**
   * Errors lose their class crossing RPC; what comes back is retried as "store unavailable" with the
   * tenant attached (the object's own message, e.g. a missing MONGODB_URI, stays in the text).
   */
  async #call<T>(operation: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof AgentError) throw error;
      const detail = error instanceof Error ? error.message : String(error);
      throw new StoreUnavailableError(`document store ${operation} failed: ${detail}`, this.#scope, {
        cause: error,
      });
    }
  }
}
