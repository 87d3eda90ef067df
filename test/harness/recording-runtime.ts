/** A runtime for golden tests: fixed clock and ids, in-memory ports, and a record of everything published. */
import type { Envelope } from '@promethean/schemas/envelope';
import { type Clock, sequentialIds } from '@promethean/shared/agent/envelope-factory';
import type { ContextDependencies } from '@promethean/shared/agent/runtime-context';
import { RecordingSink } from '@promethean/shared/agent/telemetry';
import { overlayFor, readTenantConfig } from '@promethean/shared/agent/tenant-config';
import {
  type BrokerClient,
  BrokerClosedError,
  type Subscription,
} from '@promethean/shared/broker/broker-client';
import type { EffectPorts } from '@promethean/shared/effects/effect-ports';
import { MemoryDocumentStore } from '@promethean/shared/effects/memory-document-store';
import { MemoryLeases } from '@promethean/shared/effects/memory-leases';
import { ProviderRegistry, type TenantView } from '@promethean/shared/platform/provider-registry';
import providersYml from './test-providers.yml';

/** Captures publishes without delivering them: golden tests compare what a handler emitted. */
export class PublishRecorder implements BrokerClient {
  readonly published: Envelope[] = [];
  #closed = false;

  async publish(envelope: Envelope): Promise<void> {
    if (this.#closed) throw new BrokerClosedError('publish');
    this.published.push(structuredClone(envelope));
  }
  subscribe(): Subscription {
    throw new Error('PublishRecorder records publishes only; use InMemoryBroker to deliver');
  }
  unsubscribe(): void {}
  request(): Promise<Envelope> {
    return Promise.reject(new Error('PublishRecorder cannot answer requests; use InMemoryBroker'));
  }
  async close(): Promise<void> {
    this.#closed = true;
  }
}

/** A clock that stands still unless told otherwise, so outputs carry predictable timestamps. */
export class FixedClock implements Clock {
  constructor(private current: number) {}
  now(): number {
    return this.current;
  }
  set(ms: number): void {
    this.current = ms;
  }
}

export const testRegistry = (): ProviderRegistry => ProviderRegistry.fromYaml(providersYml);

export interface RecordingRuntime {
  deps: ContextDependencies;
  recorder: PublishRecorder;
  sink: RecordingSink;
  documents: MemoryDocumentStore;
  clock: FixedClock;
}

/**
 * Builds deterministic dependencies; `ports` overrides the in-memory defaults, either for every
 * tenant or per tenant (a function of the tenant view, as the Workers build them).
 */
export function recordingRuntime(
  startMs: number,
  ports: EffectPorts | ((scope: TenantView) => EffectPorts) = {},
): RecordingRuntime {
  const recorder = new PublishRecorder();
  const sink = new RecordingSink();
  const documents = new MemoryDocumentStore();
  const clock = new FixedClock(startMs);
  const base: EffectPorts = { documents, leases: new MemoryLeases(clock) };
  const portsFor = (view: TenantView): EffectPorts =>
    typeof ports === 'function' ? { ...base, ...ports(view) } : { ...base, ...ports };
  const deps: ContextDependencies = {
    registry: testRegistry(),
    broker: recorder,
    ports: typeof ports === 'function' ? portsFor : { ...base, ...ports },
    // As the Workers do: the tenant's runtime settings (config.patch), read once per invocation.
    configOverlay: async (view, agent) => {
      const documents = portsFor(view).documents;
      return documents ? overlayFor(await readTenantConfig(documents, view), agent) : undefined;
    },
    sink,
    clock,
    ids: sequentialIds('out'),
    runtimeIds: sequentialIds('rt'),
  };
  return { deps, recorder, sink, documents, clock };
}
