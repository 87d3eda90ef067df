/** The DocumentStore port over a tenant's `TenantDocuments` Durable Object (RPC per call). */
import type {
  DocumentCollection,
  DocumentStore,
  FindOptions,
  StoredDocument,
  UpsertResult,
} from '@promethean/shared/effects/document-store';
import type { TenantDocuments } from './tenant-documents.ts';

export class DurableObjectDocumentStore implements DocumentStore {
  readonly #stub: DurableObjectStub<TenantDocuments>;

  constructor(namespace: DurableObjectNamespace<TenantDocuments>, provider: string, tenant: string) {
    this.#stub = namespace.get(namespace.idFromName(`${provider}:${tenant}`));
  }

  upsertMany(collection: DocumentCollection, docs: readonly StoredDocument[]): Promise<UpsertResult> {
    return this.#stub.upsertMany(collection, [...docs]);
  }
  get(collection: DocumentCollection, foreignId: string): Promise<StoredDocument | undefined> {
    return this.#stub.get(collection, foreignId) as Promise<StoredDocument | undefined>;
  }
  find(
    collection: DocumentCollection,
    index: Record<string, string>,
    options?: FindOptions,
  ): Promise<StoredDocument[]> {
    return this.#stub.find(collection, index, options) as Promise<StoredDocument[]>;
  }
  count(collection: DocumentCollection, options?: { includeDeleted?: boolean }): Promise<number> {
    return this.#stub.count(collection, options);
  }
}
