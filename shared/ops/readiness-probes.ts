/**
 * Readiness: whether an agent's dependencies answer. Each check is a cheap read through the very ports
 * the agent gets (a document count, a collection's pinned spec), bounded by a timeout so a hung store
 * makes the agent "not ready" instead of hanging the probe.
 */
import type { Agent } from '../agent/agent-definition.ts';
import { bindsTenant } from '../agent/manifest-loader.ts';
import type { Scheduler } from '../broker/scheduler.ts';
import type { EffectPorts } from '../effects/effect-ports.ts';
import type { ProviderRegistry, TenantView } from '../platform/provider-registry.ts';
import { within } from './bounded-wait.ts';

/** One dependency check; `probe` rejects (or times out) when the dependency does not answer. */
export interface ReadinessCheck {
  name: string;
  probe(): Promise<unknown>;
}

/** The outcome of an agent's checks. */
export interface ReadinessResult {
  agent: string;
  ready: boolean;
  /** The first failing check, as `<name>: <error>`. */
  reason?: string;
  checked: number;
}

/** At most this many tenants are probed per agent, so /ready stays cheap with many tenants. */
const MAX_TENANTS_PROBED = 20;

/**
 * Checks for the stores an agent's capabilities name, for every tenant it binds (up to 20): documents
 * answer a count, vectors answer which model a collection is pinned to. A capability whose port has no
 * adapter for a tenant is a failing check, since every message for that tenant would fail too.
 */
export function storeChecks(
  agent: Agent,
  registry: ProviderRegistry,
  portsFor: (tenant: TenantView) => EffectPorts,
): ReadinessCheck[] {
  const caps = agent.manifest.capabilities;
  const wantsDocuments = caps.includes('storage.documents');
  const wantsVectors = caps.includes('storage.vectors');
  if (!wantsDocuments && !wantsVectors) return [];
  const tenants = registry
    .tenants()
    .filter((t) => bindsTenant(agent.manifest, t.provider, t.tenant))
    .slice(0, MAX_TENANTS_PROBED);
  const checks: ReadinessCheck[] = [];
  for (const tenant of tenants) {
    const label = `${tenant.provider}/${tenant.tenant}`;
    const ports = () => portsFor(tenant);
    if (wantsDocuments) {
      checks.push({
        name: `documents ${label}`,
        probe: async () => {
          const documents = ports().documents;
          if (!documents) throw new Error('no document store adapter configured');
          return documents.count('jobs');
        },
      });
    }
    if (wantsVectors) {
      checks.push({
        name: `vectors ${label}`,
        probe: async () => {
          const vectors = ports().vectors;
          if (!vectors) throw new Error('no vector store adapter configured');
          return vectors.pinned('messages');
        },
      });
    }
  }
  return checks;
}

/** Runs an agent's checks in parallel, each bounded by `timeoutMs`. */
export async function runReadiness(
  agent: string,
  checks: readonly ReadinessCheck[],
  timeoutMs: number,
  scheduler?: Scheduler,
): Promise<ReadinessResult> {
  const outcomes = await Promise.allSettled(
    checks.map((c) =>
      within(
        Promise.resolve().then(() => c.probe()),
        timeoutMs,
        () => new Error(`did not answer within ${timeoutMs} ms`),
        scheduler,
      ),
    ),
  );
  const failed = outcomes.findIndex((o) => o.status === 'rejected');
  if (failed === -1) return { agent, ready: true, checked: checks.length };
  const reason = (outcomes[failed] as PromiseRejectedResult).reason;
  const text = reason instanceof Error ? reason.message : String(reason);
  return { agent, ready: false, reason: `${checks[failed]!.name}: ${text}`, checked: checks.length };
}
