/** Builds the access agents' runtime from this Worker's bindings; the only runtime that carries secrets. */
import { randomIds, systemClock } from '@promethean/shared/agent/envelope-factory';
import type { ContextDependencies } from '@promethean/shared/agent/runtime-context';
import { consoleSink, logLevelFor } from '@promethean/shared/agent/telemetry';
import { queueBusFor } from '@promethean/shared/broker/bus-for';
import type { QueueBroker } from '@promethean/shared/broker/queue-broker';
import { ProviderRegistry } from '@promethean/shared/platform/provider-registry';
import providersYml from '../../providers.yml';
import { accessPorts } from './provider-ports.ts';

export const KNOWN_ADAPTERS = ['echo', 'discord'] as const;

export function createAccessRuntime(env: AccessEnv): { broker: QueueBroker; deps: ContextDependencies } {
  const broker = queueBusFor(env, {}, 'the access Worker');
  const deps: ContextDependencies = {
    registry: ProviderRegistry.fromYaml(providersYml, KNOWN_ADAPTERS),
    broker,
    ports: (tenant) => accessPorts(env, tenant),
    sink: consoleSink(logLevelFor(env)),
    clock: systemClock,
    ids: randomIds,
    runtimeIds: randomIds,
    secretEnv: env as unknown as Record<string, unknown>,
  };
  return { broker, deps };
}
