/**
 * The tenant settings one runtime (one queue batch, one request) has read: every agent invocation needs
 * them, and reading them once per tenant instead of once per invocation saves a Durable Object request
 * for each agent a message reaches (docs/operations.md, Cost). A config write through this runtime's
 * document ports forgets the tenant's read, so a patch is seen by the next invocation in the same batch.
 * `TENANT_CONFIG_READS=per-invocation` turns the sharing off (bench:cost's baseline).
 */
import { readTenantConfig, type TenantConfig } from '@promethean/shared/agent/tenant-config';
import type { DocumentStore } from '@promethean/shared/effects/document-store';

const CONFIG_COLLECTION = 'config';

export class TenantConfigReads {
  readonly #shared: boolean;
  readonly #reads = new Map<string, Promise<TenantConfig>>();

  constructor(mode: unknown) {
    this.#shared = mode !== 'per-invocation';
  }

  read(documents: DocumentStore, scope: { provider: string; tenant: string }): Promise<TenantConfig> {
    if (!this.#shared) return readTenantConfig(documents, scope);
    const key = `${scope.provider}:${scope.tenant}`;
    let read = this.#reads.get(key);
    if (!read) {
      read = readTenantConfig(documents, scope);
      this.#reads.set(key, read);
      // A failed read is not kept: the next invocation asks again.
      read.catch(() => {
        if (this.#reads.get(key) === read) this.#reads.delete(key);
      });
    }
    return read;
  }

  /** `documents` whose writes to the config collection make this runtime read the tenant's settings again. */
  watching(documents: DocumentStore, scope: { provider: string; tenant: string }): DocumentStore {
    const key = `${scope.provider}:${scope.tenant}`;
    const reads = this.#reads;
    return new Proxy(documents, {
      get(target, prop) {
        const value = Reflect.get(target, prop);
        if (typeof value !== 'function') return value;
        if (prop !== 'upsertMany') return value.bind(target);
        return async (...args: Parameters<DocumentStore['upsertMany']>) => {
          try {
            return await target.upsertMany(...args);
          } finally {
            if (args[0] === CONFIG_COLLECTION) reads.delete(key);
          }
        };
      },
    });
  }
}
