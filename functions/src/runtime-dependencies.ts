/** Builds the runtime an agent invocation gets from this Worker's bindings, fresh for every request or batch. */
import { parseAgentSettings } from '@promethean/shared/agent/agent-settings-override';
import { randomIds, systemClock } from '@promethean/shared/agent/envelope-factory';
import type { ContextDependencies } from '@promethean/shared/agent/runtime-context';
import { componentTelemetry, consoleSink, logLevelFor } from '@promethean/shared/agent/telemetry';
import { overlayFor } from '@promethean/shared/agent/tenant-config';
import { queueBusFor } from '@promethean/shared/broker/bus-for';
import type { QueueBroker } from '@promethean/shared/broker/queue-broker';
import type { EffectPorts } from '@promethean/shared/effects/effect-ports';
import { type EmbeddingCacheLookup, withEmbeddingCache } from '@promethean/shared/effects/embedding-cache';
import { StorageConfigurationError } from '@promethean/shared/effects/storage-errors';
import type { TenantView } from '@promethean/shared/platform/provider-registry';
import { ProviderRegistry } from '@promethean/shared/platform/provider-registry';
import providersYml from '../../providers.yml';
import { parsePageCorr } from '../agents/backfill/backfill-job.ts';
import { DurableObjectPlayback } from '../agents/voice-mixer/durable-object-playback.ts';
import { DurableObjectCrawl } from '../agents/web-crawler/durable-object-crawl.ts';
import { workerToolChat } from '../llm-gateway/worker-gateway-core.ts';
import { configuredEmbedCache } from '../models/model-port-factory.ts';
import { type DualWriteFailed, dualWriteHooks } from '../storage/dual-write-hooks.ts';
import { DurableObjectLeases } from '../storage/durable-object-leases.ts';
import { DurableObjectReplyMailbox } from '../storage/durable-object-reply-mailbox.ts';
import { tenantMigrationPort } from '../storage/tenant-migration-port.ts';
import { tenantReembedPort } from '../storage/tenant-reembed-port.ts';
import { tenantStoragePorts } from '../storage/tenant-storage-ports.ts';
import { RuntimeCoalescing } from './runtime-coalescing.ts';
import { TenantConfigReads } from './tenant-config-reads.ts';
import { tenantEffectPorts } from './tenant-effect-ports.ts';

export interface FunctionsRuntime {
  broker: QueueBroker;
  deps: ContextDependencies;
}

/** The tenant's re-embed (the reembedder agent), absent without vectors or with invalid storage settings. */
function reembedPortOf(env: FunctionsEnv, tenant: TenantView): Pick<EffectPorts, 'reembed'> {
  try {
    const reembed = tenantReembedPort(env, tenant);
    return reembed ? { reembed } : {};
  } catch {
    // The storage ports report the same settings problem on first use; the effect answers unavailable.
    return {};
  }
}

/** The storage adapters the tenant chose in providers.yml (see tenant-storage-ports.ts), plus the rest. */
function tenantPorts(env: FunctionsEnv, tenant: TenantView, observers: RuntimeObservers): EffectPorts {
  const ports: EffectPorts = {
    ...tenantStoragePorts(env, tenant, dualWriteHooks(tenant, observers.dualWriteFailed)),
    leases: new DurableObjectLeases(env.TENANT_LEASES, tenant.provider, tenant.tenant),
    // Each voice session's ordered playback stream (the voice-mixer; docs/voice.md).
    playback: new DurableObjectPlayback(env.VOICE_PLAYBACK, tenant.provider, tenant.tenant),
    // The web crawl's jobs and hosts (docs/agents/web-crawler.md).
    crawl: new DurableObjectCrawl(env, tenant.provider, tenant.tenant),
    // The tenant's store move, stepped by the store-mover agent (docs/data/migration-pipeline.md).
    migrations: tenantMigrationPort(env, tenant),
    ...reembedPortOf(env, tenant),
    // Models, blobs, the SSRF-guarded fetch and the attachment egress (see tenant-effect-ports.ts).
    ...tenantEffectPorts(env, tenant),
  };
  // The LLM gateway's tool loop for agents holding `llm.tools` (cephalon's /ask, when the tenant opts in).
  const tools = workerToolChat(env, tenant);
  return tools ? { ...ports, tools } : ports;
}

/**
 * The tenant's models behind the embedding cache, kept in its own document store (so identical text is
 * embedded once per tenant and model, and no tenant reads another's cache). Without a document store or valid
 * model settings the models are used as they are.
 */
function cachedEmbeddings(
  env: FunctionsEnv,
  tenant: TenantView,
  ports: EffectPorts,
  onLookup?: (lookup: EmbeddingCacheLookup) => void,
): EffectPorts {
  const cache = configuredEmbedCache(env as unknown as Readonly<Record<string, unknown>>);
  if (!ports.models || !ports.documents || cache === undefined) return ports;
  return {
    ...ports,
    models: withEmbeddingCache(ports.models, ports.documents, {
      model: cache.model,
      dimension: cache.dimension,
      minBytes: cache.minBytes,
      provider: tenant.provider,
      tenant: tenant.tenant,
      ...(onLookup && { onLookup }),
      onStoreError: (e) =>
        componentTelemetry('embedding-cache', tenant).warn(
          'embedding cache store failed; embedding without it',
          {
            error: String(e),
          },
        ),
    }),
  };
}

/** What the ops layer hears from a runtime, beside the ports it decorates. */
export interface RuntimeObservers {
  /** A migration's dual-write lost its second write of `n` documents or vectors (see `dualWriteHooks`). */
  dualWriteFailed?: DualWriteFailed;
  /** Every embedding-cache lookup (hits and misses). */
  embedLookup?: (lookup: EmbeddingCacheLookup) => void;
  /** Every model answer an agent gets (calls, tokens and finish reasons per model). */
  modelAnswer?: ContextDependencies['onModelAnswer'];
}

/**
 * Parsing providers.yml is cheap next to a queue batch, and re-reading it per batch means no stale copy.
 * `decorate` wraps every tenant's ports (the ops layer counts store writes and adds the status port).
 */
export function createFunctionsRuntime(
  env: FunctionsEnv,
  decorate?: (ports: EffectPorts) => EffectPorts,
  observers: RuntimeObservers = {},
): FunctionsRuntime {
  const broker = queueBusFor(
    env,
    {
      // A backfill page's answer is continued on by the backfill agent, never awaited through request().
      mailbox: new DurableObjectReplyMailbox(env.REPLY_MAILBOX, {
        unawaited: (corr) => parsePageCorr(corr) !== undefined,
      }),
    },
    'the functions Worker',
  );
  // The cache wraps the decorated ports, so its own document writes are counted as store writes.
  const configReads = new TenantConfigReads(
    (env as unknown as { TENANT_CONFIG_READS?: unknown }).TENANT_CONFIG_READS,
  );
  // Below the embedding cache and above the counting decorator: the cache's reads and writes and its
  // misses share round trips, and the ledger counts the shared calls (runtime-coalescing.ts).
  const coalescing = new RuntimeCoalescing(env as unknown as Record<string, unknown>);
  const buildPorts = (tenant: TenantView): EffectPorts => {
    const p = cachedEmbeddings(
      env,
      tenant,
      coalescing.apply(
        tenant,
        decorate ? decorate(tenantPorts(env, tenant, observers)) : tenantPorts(env, tenant, observers),
      ),
      observers.embedLookup,
    );
    return p.documents ? { ...p, documents: configReads.watching(p.documents, tenant) } : p;
  };
  // One set of ports per tenant for the life of the runtime (one batch or request). Each invocation asked
  // twice (its context, its config overlay), and each ask re-read the env with zod (the storage, egress and
  // model variables, URLs parsed), made Durable Object stubs and an embedding cache: under a live burst that
  // was about a fifth of workerd's CPU per message (docs/operations.md, Freshness). Ports that could not be
  // built are not kept, so the next ask throws again.
  const built = new Map<string, EffectPorts>();
  const ports = (tenant: TenantView): EffectPorts => {
    const key = `${tenant.provider}/${tenant.tenant}`;
    let p = built.get(key);
    if (!p) {
      p = buildPorts(tenant);
      built.set(key, p);
    }
    return p;
  };
  const deps: ContextDependencies = {
    registry: ProviderRegistry.fromYaml(providersYml),
    broker,
    ports,
    // One read of the tenant's runtime settings per runtime, again after a config write (tenant-config-reads.ts).
    configOverlay: async (tenant, agent) => {
      const documents = ports(tenant).documents;
      if (!documents) return undefined;
      try {
        return overlayFor(await configReads.read(documents, tenant), agent);
      } catch (e) {
        // A tenant whose document store is not configured cannot have runtime settings (config.patch needs
        // the store too): its agents that need no documents keep running on their static settings.
        if (e instanceof StorageConfigurationError) return undefined;
        throw e;
      }
    },
    sink: consoleSink(logLevelFor(env)),
    clock: systemClock,
    ids: randomIds,
    runtimeIds: randomIds,
    settings: { build_sha: env.BUILD_SHA },
    ...(env.BUILD_SHA ? { buildSha: env.BUILD_SHA } : {}),
    agentSettings: parseAgentSettings(env.AGENT_SETTINGS),
    ...(observers.modelAnswer && { onModelAnswer: observers.modelAnswer }),
  };
  return { broker, deps };
}
