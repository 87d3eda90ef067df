/**
 * The tenant's migration control values (document routing, migration state) in the `promethean_meta`
 * table of its `TenantDocuments` object: that object exists for every tenant, whichever store holds its
 * documents, and its compare-and-set runs in one SQLite transaction.
 */
import type { DocumentScope } from '@promethean/shared/effects/document-validation';
import { StoreUnavailableError } from '@promethean/shared/effects/storage-errors';
import type { ControlStore } from '@promethean/shared/migrations/control-store';
import { documentObjectName } from './document-object-name.ts';
import type { TenantDocuments } from './tenant-documents.ts';

export class DurableObjectControlStore implements ControlStore {
  readonly #stub: DurableObjectStub<TenantDocuments>;
  readonly #scope: DocumentScope;

  constructor(namespace: DurableObjectNamespace<TenantDocuments>, provider: string, tenant: string) {
    this.#scope = { provider, tenant };
    this.#stub = namespace.get(namespace.idFromName(documentObjectName(this.#scope)));
  }

  async readMeta(key: string): Promise<string | undefined> {
    return this.#call('readMeta', () => this.#stub.readMeta(key));
  }

  async compareAndSetMeta(key: string, expected: string | null, value: string): Promise<boolean> {
    return this.#call('compareAndSetMeta', () => this.#stub.compareAndSetMeta(key, expected, value));
  }

  async #call<T>(operation: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      throw new StoreUnavailableError(`control store ${operation} failed: ${detail}`, this.#scope, {
        cause: error,
      });
    }
  }
}
