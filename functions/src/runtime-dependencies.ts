/** Builds the runtime an agent invocation gets from this Worker's bindings, fresh for every request or batch. */
import { parseAgentSettings } from '@promethean/shared/agent/agent-settings-override';
import { randomIds, systemClock } from '@promethean/shared/agent/envelope-factory';
import type { ContextDependencies } from '@promethean/shared/agent/runtime-context';
import { consoleSink, logLevelFor } from '@promethean/shared/agent/telemetry';
import type { QueueBody } from '@promethean/shared/broker/queue-body';
import { QueueBroker } from '@promethean/shared/broker/queue-broker';
import type { EffectPorts } from '@promethean/shared/effects/effect-ports';
import type { TenantView } from '@promethean/shared/platform/provider-registry';
import { ProviderRegistry } from '@promethean/shared/platform/provider-registry';
import providersYml from '../../providers.yml';
import { DurableObjectLeases } from '../storage/durable-object-leases.ts';
import { DurableObjectReplyMailbox } from '../storage/durable-object-reply-mailbox.ts';
import { tenantStoragePorts } from '../storage/tenant-storage-ports.ts';
import { DurableObjectPlayback } from '../voice-mixer/durable-object-playback.ts';
import { DurableObjectCrawl } from '../web-crawler/durable-object-crawl.ts';
import { tenantEffectPorts } from './tenant-effect-ports.ts';

export interface FunctionsRuntime {
  broker: QueueBroker;
  deps: ContextDependencies;
}

/** The storage adapters the tenant chose in providers.yml (see tenant-storage-ports.ts), plus the rest. */
function tenantPorts(env: FunctionsEnv, tenant: TenantView): EffectPorts {
  return {
    ...tenantStoragePorts(env, tenant),
    leases: new DurableObjectLeases(env.TENANT_LEASES, tenant.provider, tenant.tenant),
    // Each voice session's ordered playback stream (the voice-mixer; docs/voice.md).
    playback: new DurableObjectPlayback(env.VOICE_PLAYBACK, tenant.provider, tenant.tenant),
    // The web crawl's jobs and hosts (docs/agents/web-crawler.md).
    crawl: new DurableObjectCrawl(env, tenant.provider, tenant.tenant),
    // Models, blobs, the SSRF-guarded fetch and the attachment egress (see tenant-effect-ports.ts).
    ...tenantEffectPorts(env, tenant),
  };
}

/**
 * Parsing providers.yml is cheap next to a queue batch, and re-reading it per batch means no stale copy.
 * `decorate` wraps every tenant's ports (the ops layer counts store writes and adds the status port).
 */
export function createFunctionsRuntime(
  env: FunctionsEnv,
  decorate?: (ports: EffectPorts) => EffectPorts,
): FunctionsRuntime {
  const broker = new QueueBroker({
    queues: {
      BUS_EVENTS: env.BUS_EVENTS as Queue<QueueBody>,
      BUS_ACCESS: env.BUS_ACCESS as Queue<QueueBody>,
      BUS_VOICE: env.BUS_VOICE as Queue<QueueBody>,
    },
    mailbox: new DurableObjectReplyMailbox(env.REPLY_MAILBOX),
  });
  const deps: ContextDependencies = {
    registry: ProviderRegistry.fromYaml(providersYml),
    broker,
    ports: (tenant) => (decorate ? decorate(tenantPorts(env, tenant)) : tenantPorts(env, tenant)),
    sink: consoleSink(logLevelFor(env)),
    clock: systemClock,
    ids: randomIds,
    runtimeIds: randomIds,
    settings: { build_sha: env.BUILD_SHA },
    ...(env.BUILD_SHA ? { buildSha: env.BUILD_SHA } : {}),
    agentSettings: parseAgentSettings(env.AGENT_SETTINGS),
  };
  return { broker, deps };
}
