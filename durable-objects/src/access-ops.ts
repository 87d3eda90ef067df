/**
 * The access Worker's operations wiring: its isolate's `IsolateOps`, counted bindings, the ledger in the
 * functions Worker (cross-script `OPS_LEDGER` binding; optional, so this Worker runs without it), the
 * readiness of each tenant's access objects, and the status the functions Worker reads over RPC.
 */
import type { Agent } from '@promethean/shared/agent/agent-definition';
import { bindsTenant } from '@promethean/shared/agent/manifest-loader';
import { QUEUE_NAMES } from '@promethean/shared/broker/bus-routes';
import type { AccessStatus, AccessTenantStatus } from '@promethean/shared/ops/access-status';
import { within } from '@promethean/shared/ops/bounded-wait';
import {
  DeltaRefusedError,
  type IsolateOps,
  isolateOps,
  type OpsLedgerPort,
} from '@promethean/shared/ops/isolate-ops';
import type { AgentControl, OpsDelta } from '@promethean/shared/ops/ops-delta';
import { countedEnv } from '@promethean/shared/ops/platform-instrumentation';
import type { ReadinessCheck } from '@promethean/shared/ops/readiness-probes';
import { ProviderRegistry, type TenantView } from '@promethean/shared/platform/provider-registry';
import providersYml from '../../providers.yml';
import { ACCESS_AGENTS } from './access-agents.ts';

/** Each access object must answer a status read within this long. */
const PART_TIMEOUT_MS = 2_000;

export function accessOps(): IsolateOps {
  return isolateOps('access', ACCESS_AGENTS);
}

/** Bindings whose queue writes and Durable Object calls count in this isolate's ops. */
export function countedAccessEnv(env: AccessEnv, ops: IsolateOps): AccessEnv {
  return countedEnv(env, ops.recorder, QUEUE_NAMES);
}

interface LedgerStub {
  record(delta: OpsDelta): Promise<{ controls: AgentControl[] } | { refused: string }>;
  controls(): Promise<AgentControl[]>;
}

/** The ops ledger in promethean-functions, or undefined when this deployment does not bind it. */
export function accessLedger(env: AccessEnv): OpsLedgerPort | undefined {
  const namespace = (env as unknown as { OPS_LEDGER?: DurableObjectNamespace }).OPS_LEDGER;
  if (!namespace) return undefined;
  const stub = namespace.get(namespace.idFromName('global')) as unknown as LedgerStub;
  return {
    record: async (delta) => {
      const answer = await stub.record(delta);
      if ('refused' in answer) throw new DeltaRefusedError(answer.refused);
      return { controls: [...answer.controls] };
    },
    controls: async () => [...(await stub.controls())],
  };
}

const rest = (env: AccessEnv, tenant: string) => env.REST_BUCKETS.get(env.REST_BUCKETS.idFromName(tenant));
const gateway = (env: AccessEnv, tenant: string, shard: number) =>
  env.GATEWAY_SESSION.get(env.GATEWAY_SESSION.idFromName(`${tenant}:${shard}`));

function bounded<T>(work: Promise<T>, what: string): Promise<T> {
  return within(
    work,
    PART_TIMEOUT_MS,
    () => new Error(`${what} did not answer within ${PART_TIMEOUT_MS} ms`),
  );
}

/**
 * Readiness of a provider-access agent: for each Discord tenant it binds, its RestBuckets answers a
 * status read and its token is not disabled (every call with a disabled token would fail).
 */
export function accessChecks(env: AccessEnv, agent: Agent): ReadinessCheck[] {
  if (!agent.manifest.capabilities.includes('provider.rest.call')) return [];
  return ProviderRegistry.fromYaml(providersYml)
    .tenants()
    .filter((t) => t.adapter === 'discord' && bindsTenant(agent.manifest, t.provider, t.tenant))
    .map((t) => ({
      name: `rest ${t.provider}/${t.tenant}`,
      probe: async () => {
        const status = await rest(env, t.tenant).status();
        if (status.token_disabled) throw new Error(`token disabled: ${status.token_disabled.reason}`);
      },
    }));
}

async function discordStatus(env: AccessEnv, t: TenantView): Promise<AccessTenantStatus> {
  const base = { provider: t.provider, tenant: t.tenant };
  try {
    const shards = Array.from({ length: t.config.gateway.shards }, (_, i) => i);
    const [r, sessions] = await Promise.all([
      bounded(rest(env, t.tenant).status(), `RestBuckets ${t.tenant}`),
      Promise.all(
        shards.map((s) => bounded(gateway(env, t.tenant, s).health(), `GatewaySession ${t.tenant}:${s}`)),
      ),
    ]);
    return {
      ...base,
      rest: {
        token_disabled: r.token_disabled,
        budget: r.budget,
        buckets: r.buckets.map((b) => ({ ...b })),
        sent: r.sent,
        rate_limited: r.rate_limited,
      },
      realtime: sessions.map((g, i) => ({
        shard: i,
        status: g.status,
        desired: g.desired,
        connected: g.connected,
        ping_ms: g.ping_ms,
        seq: g.seq,
        last_ack_at: g.last_ack_at,
        ...(g.reason !== undefined && { reason: g.reason }),
        published: g.published,
        connections: g.connections,
      })),
    };
  } catch (e) {
    return { ...base, rest: null, realtime: [], error: `${t.provider}/${t.tenant}: ${(e as Error).message}` };
  }
}

/** Every tenant's access state; tenants whose adapter has no REST or realtime parts report empty ones. */
export async function accessStatus(env: AccessEnv, ops: IsolateOps): Promise<AccessStatus> {
  const tenants = ProviderRegistry.fromYaml(providersYml).tenants();
  return {
    worker: 'promethean-access',
    isolate: ops.isolate,
    health: ops.healthReports(),
    tenants: await Promise.all(
      tenants.map((t) =>
        t.adapter === 'discord'
          ? discordStatus(env, t)
          : Promise.resolve({ provider: t.provider, tenant: t.tenant, rest: null, realtime: [] }),
      ),
    ),
  };
}
