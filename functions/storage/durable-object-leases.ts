/** The LeasePort over a tenant's `TenantLeases` Durable Object (one RPC per call). */
import type { LeaseGrant, LeasePort } from '@promethean/shared/effects/effect-ports';
import type { TenantLeases } from './tenant-leases.ts';

export class DurableObjectLeases implements LeasePort {
  readonly #stub: DurableObjectStub<TenantLeases>;

  constructor(namespace: DurableObjectNamespace<TenantLeases>, provider: string, tenant: string) {
    this.#stub = namespace.get(namespace.idFromName(`${provider}:${tenant}`));
  }

  acquire(name: string, holder: string, limit: number, ttlMs: number): Promise<LeaseGrant> {
    return this.#stub.acquire({ name, holder, limit, ttl_ms: ttlMs });
  }

  release(name: string, holder: string): Promise<void> {
    return this.#stub.release({ name, holder });
  }
}
