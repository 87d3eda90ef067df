/**
 * Admission control: bounded in-flight work per agent and per tenant (the manifest's `limits`), per
 * isolate. When full it fails fast with `OverloadedError` carrying a `retry_after_ms` estimated from the
 * agent's recent latency; it never queues the caller or waits for a slot.
 */
import type { AgentManifest } from '@promethean/schemas/manifest';
import { OverloadedError } from './agent-errors.ts';

/** What admission needs from a manifest. */
export type AdmittedAgent = Pick<AgentManifest, 'id' | 'limits'>;

/** Held while work runs; `release` frees the slot and feeds the latency estimate. Idempotent. */
export interface Permit {
  release(latencyMs?: number): void;
}

export interface AdmissionOptions {
  /** Floor of `retry_after_ms` (queue delays and Retry-After headers are whole seconds). Default 1000. */
  minRetryAfterMs?: number;
  /** Ceiling of `retry_after_ms`. Default 60 000. */
  maxRetryAfterMs?: number;
  /** Weight of the newest latency in the moving average. Default 0.2. */
  latencyWeight?: number;
}

interface AgentLoad {
  inFlight: number;
  byTenant: Map<string, number>;
  /** Exponentially weighted mean latency (ms) of released work, or null before any. */
  meanLatencyMs: number | null;
  rejected: number;
}

export class AdmissionController {
  readonly #agents = new Map<string, AgentLoad>();
  readonly #min: number;
  readonly #max: number;
  readonly #weight: number;

  constructor(options: AdmissionOptions = {}) {
    this.#min = options.minRetryAfterMs ?? 1_000;
    this.#max = options.maxRetryAfterMs ?? 60_000;
    this.#weight = options.latencyWeight ?? 0.2;
    if (!(this.#min > 0 && this.#max >= this.#min)) {
      throw new RangeError(`AdmissionController: need 0 < minRetryAfterMs <= maxRetryAfterMs`);
    }
    if (!(this.#weight > 0 && this.#weight <= 1)) {
      throw new RangeError(`AdmissionController: latencyWeight must be in (0, 1]`);
    }
  }

  /**
   * Takes a slot for `agent` and `tenant` (`provider/tenant`) or throws `OverloadedError` at once when
   * the agent or the tenant is at its limit. Synchronous: nothing ever waits here.
   */
  admit(agent: AdmittedAgent, tenant: string): Permit {
    const load = this.#load(agent.id);
    const tenantLoad = load.byTenant.get(tenant) ?? 0;
    if (load.inFlight >= agent.limits.max_in_flight) {
      throw this.#overloaded(
        agent,
        tenant,
        `${load.inFlight} in flight (max_in_flight ${agent.limits.max_in_flight})`,
      );
    }
    if (tenantLoad >= agent.limits.max_in_flight_per_tenant) {
      throw this.#overloaded(
        agent,
        tenant,
        `${tenantLoad} in flight for tenant ${tenant} (max_in_flight_per_tenant ${agent.limits.max_in_flight_per_tenant})`,
      );
    }
    load.inFlight++;
    load.byTenant.set(tenant, tenantLoad + 1);
    let released = false;
    return {
      release: (latencyMs?: number) => {
        if (released) return;
        released = true;
        load.inFlight--;
        const left = (load.byTenant.get(tenant) ?? 1) - 1;
        if (left > 0) load.byTenant.set(tenant, left);
        else load.byTenant.delete(tenant);
        if (latencyMs !== undefined && Number.isFinite(latencyMs) && latencyMs >= 0) {
          load.meanLatencyMs =
            load.meanLatencyMs === null
              ? latencyMs
              : load.meanLatencyMs + this.#weight * (latencyMs - load.meanLatencyMs);
        }
      },
    };
  }

  /** How long a refused caller should wait: the agent's mean latency (when a slot is expected to free), whole seconds, clamped. */
  retryAfterMs(agentId: string): number {
    const mean = this.#agents.get(agentId)?.meanLatencyMs ?? 0;
    return Math.min(this.#max, Math.max(this.#min, Math.ceil(mean / 1000) * 1000));
  }

  /** In-flight work per agent in this isolate (agents with none are listed once seen). */
  inFlight(): Record<string, number> {
    return Object.fromEntries([...this.#agents].map(([id, l]) => [id, l.inFlight]));
  }

  /** In-flight work per tenant for one agent. */
  inFlightByTenant(agentId: string): Record<string, number> {
    return Object.fromEntries(this.#agents.get(agentId)?.byTenant ?? []);
  }

  /** Refusals per agent since the isolate started. */
  rejected(): Record<string, number> {
    return Object.fromEntries([...this.#agents].map(([id, l]) => [id, l.rejected]));
  }

  #load(agentId: string): AgentLoad {
    let load = this.#agents.get(agentId);
    if (!load) {
      load = { inFlight: 0, byTenant: new Map(), meanLatencyMs: null, rejected: 0 };
      this.#agents.set(agentId, load);
    }
    return load;
  }

  #overloaded(agent: AdmittedAgent, tenant: string, detail: string): OverloadedError {
    this.#load(agent.id).rejected++;
    const [provider, tenantName] = tenant.split('/');
    return new OverloadedError(`agent ${agent.id} is overloaded: ${detail}`, this.retryAfterMs(agent.id), {
      agent: agent.id,
      ...(provider !== undefined && { provider }),
      ...(tenantName !== undefined && { tenant: tenantName }),
    });
  }
}
