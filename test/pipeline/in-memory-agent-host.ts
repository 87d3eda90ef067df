/**
 * Runs agents on an InMemoryBroker the way the queue consumer runs them in a Worker: each agent
 * subscribes to its manifest's inputs, a delivery its input filter (`when`) refuses is counted and
 * dropped as the router drops it, every other one goes through `invokeAgent`, a retriable outcome
 * makes the broker redeliver, a non-retriable one is recorded as a dead letter. Cross-component tests,
 * benchmarks and the chaos suite use it to drive whole pipelines in one process.
 */
import type { Envelope } from '@promethean/schemas/envelope';
import type { Agent } from '@promethean/shared/agent/agent-definition';
import { type InvocationOutcome, invokeAgent } from '@promethean/shared/agent/agent-invocation';
import { parseTypedEnvelope } from '@promethean/shared/agent/envelope-factory';
import { hasInputFilter, inputAdmits } from '@promethean/shared/agent/input-filter';
import type { ContextDependencies } from '@promethean/shared/agent/runtime-context';
import type { BrokerClient } from '@promethean/shared/broker/broker-client';
import type { InMemoryBroker } from '@promethean/shared/broker/in-memory-broker';
import type { RouterObserver } from '@promethean/shared/broker/queue-consumer-router';

/** Thrown to make the broker redeliver: the invocation asked to be retried. */
export class RedeliverError extends Error {
  override readonly name = 'RedeliverError';
  constructor(
    readonly agent: string,
    readonly envelopeId: string,
    readonly reason: Error,
  ) {
    super(`${agent} asks for redelivery of ${envelopeId}: ${reason.message}`);
  }
}

export interface HostedOutcome {
  agent: string;
  envelope: Envelope;
  outcome: InvocationOutcome['outcome'];
  error?: string;
}

export interface AgentHostOptions {
  broker: InMemoryBroker;
  agents: readonly Agent[];
  /** Everything but the broker, which the host fills in (agents publish back onto the same bus). */
  deps: Omit<ContextDependencies, 'broker'>;
  /** Runs before each invocation; throwing here is a worker dying before it did anything. */
  beforeInvoke?: (agent: Agent, envelope: Envelope) => void;
  /** Sees each invocation start, as the queue router's observer does (trace hops, health). */
  observer?: RouterObserver;
  /** Runs before each publish an agent makes; throwing here is a worker dying between side effects. */
  beforePublish?: (envelope: Envelope) => void;
}

export class InMemoryAgentHost {
  readonly outcomes: HostedOutcome[] = [];
  /** Deliveries an agent's input filter refused: the agent never saw them. */
  readonly filtered: Array<{ agent: string; envelope: Envelope }> = [];
  readonly #o: AgentHostOptions;
  readonly #deps: ContextDependencies;

  constructor(options: AgentHostOptions) {
    this.#o = options;
    const broker = options.broker;
    const beforePublish = options.beforePublish;
    const publishing: BrokerClient = beforePublish
      ? {
          publish: async (envelope) => {
            beforePublish(envelope);
            await broker.publish(envelope);
          },
          subscribe: (pattern, handler, o) => broker.subscribe(pattern, handler, o),
          unsubscribe: (subscription) => broker.unsubscribe(subscription),
          request: (envelope, o) => broker.request(envelope, o),
          close: () => broker.close(),
        }
      : broker;
    this.#deps = { ...options.deps, broker: publishing };
  }

  /** Subscribes every agent to each of its input topics. */
  start(): this {
    for (const agent of this.#o.agents) {
      const patterns = new Set(agent.manifest.inputs.map((i) => i.topic));
      for (const pattern of patterns) {
        this.#o.broker.subscribe(pattern, (envelope) => this.#deliver(agent, envelope), {
          name: `${agent.manifest.id}:${pattern}`,
        });
      }
    }
    return this;
  }

  async #deliver(agent: Agent, envelope: Envelope): Promise<void> {
    // A subscription sees every intent on its pattern; the router only hands an agent its declared inputs.
    if (!agent.manifest.inputs.some((i) => i.schema === envelope.intent)) return;
    if (this.#refuses(agent, envelope)) {
      this.filtered.push({ agent: agent.manifest.id, envelope });
      this.#o.observer?.settled?.({
        queue: 'in-memory',
        agent: agent.manifest.id,
        intent: envelope.intent,
        provider: envelope.provider,
        tenant: envelope.tenant,
        outcome: 'filtered',
        settlement: 'ack',
        shared: true,
      });
      return;
    }
    this.#o.beforeInvoke?.(agent, envelope);
    this.#o.observer?.started?.(agent, envelope);
    const result = await invokeAgent(agent, envelope, this.#deps);
    this.outcomes.push({
      agent: agent.manifest.id,
      envelope,
      outcome: result.outcome,
      ...('error' in result && { error: result.error.message }),
    });
    if (result.outcome === 'retry') throw new RedeliverError(agent.manifest.id, envelope.id, result.error);
  }

  /** Whether the agent's input filter refuses the envelope's parsed payload (one that does not parse is not refused here). */
  #refuses(agent: Agent, envelope: Envelope): boolean {
    if (!hasInputFilter(agent.manifest)) return false;
    let payload: unknown;
    try {
      payload = parseTypedEnvelope(envelope).payload;
    } catch {
      return false;
    }
    return !inputAdmits(agent.manifest, envelope, payload);
  }

  /** Outcomes that ended a message for good (dead letters in a Worker). */
  failures(): HostedOutcome[] {
    return this.outcomes.filter((o) => o.outcome === 'failed');
  }
}
