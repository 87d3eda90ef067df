/**
 * Dispatches each queue message by topic to the agents whose manifests subscribe to it, and settles
 * every message on its own: ack on success or a non-retriable failure, retry with backoff, dead-letter
 * after `max_retries`. A message for several agents is fanned out into one copy per agent first, so
 * one agent failing never re-runs another agent's side effects.
 */
import type { Envelope } from '@promethean/schemas/envelope';
import type { ErrorCode } from '@promethean/schemas/ops/ops-messages';
import type { Agent } from '../agent/agent-definition.ts';
import { invokeAgent, publishErrorEvent } from '../agent/agent-invocation.ts';
import { parseEnvelope } from '../agent/envelope-factory.ts';
import { bindsTenant } from '../agent/manifest-loader.ts';
import type { ContextDependencies } from '../agent/runtime-context.ts';
import { topicMatches } from '../platform/topics.ts';
import { DeadLetter, QueueBody } from './queue-body.ts';
import type { QueueBroker } from './queue-broker.ts';
import { retryDelaySeconds } from './retry-backoff.ts';

export interface DeadLetterSink {
  send(letter: DeadLetter): Promise<void>;
}

export type Settlement = 'ack' | 'retry' | 'fanout' | 'dead_letter' | 'no_subscriber';

/** What happened to one message; `delaySeconds` is set for retries. */
export interface SettlementRecord {
  settlement: Settlement;
  delaySeconds?: number;
}

export interface RouterOptions {
  agents: readonly Agent[];
  broker: QueueBroker;
  deadLetters: DeadLetterSink;
  deps: ContextDependencies;
  /** The router's own name in error events. */
  name?: string;
}

/** The agents that subscribe to an envelope's topic and bind its tenant. */
export function subscribersOf(agents: readonly Agent[], envelope: Envelope): Agent[] {
  return agents.filter(
    (a) =>
      a.manifest.inputs.some((i) => topicMatches(i.topic, envelope.dst) && i.schema === envelope.intent) &&
      bindsTenant(a.manifest, envelope.provider, envelope.tenant),
  );
}

export class QueueConsumerRouter {
  readonly #o: RouterOptions;
  readonly #name: string;

  constructor(options: RouterOptions) {
    this.#o = options;
    this.#name = options.name ?? 'queue-router';
  }

  /** Settles every message of the batch individually; returns what happened to each, by message id. */
  async consume(batch: MessageBatch<unknown>): Promise<Map<string, SettlementRecord>> {
    const report = new Map<string, SettlementRecord>();
    for (const message of batch.messages) {
      report.set(message.id, await this.#settle(batch.queue, message));
    }
    return report;
  }

  async #settle(queue: string, message: Message<unknown>): Promise<SettlementRecord> {
    const body = QueueBody.safeParse(message.body);
    if (!body.success) {
      return this.#deadLetter(
        queue,
        message,
        undefined,
        'invalid_envelope',
        new Error(`not a bus message: ${body.error.message}`),
      );
    }
    let envelope: Envelope;
    try {
      envelope = parseEnvelope(body.data.envelope);
    } catch (e) {
      return this.#deadLetter(queue, message, body.data, 'invalid_envelope', e as Error);
    }
    await this.#o.broker.notifyLocal(envelope);
    const targets = subscribersOf(this.#o.agents, envelope).filter(
      (a) => !body.data.target || a.manifest.id === body.data.target,
    );
    if (targets.length === 0) {
      if (body.data.target) {
        return this.#deadLetter(
          queue,
          message,
          body.data,
          'unknown_intent',
          new Error(`no agent ${body.data.target} handles ${envelope.dst}`),
        );
      }
      message.ack();
      return { settlement: 'no_subscriber' };
    }
    if (targets.length > 1) return this.#fanOut(message, envelope, targets);
    return this.#invoke(queue, message, body.data, targets[0]!);
  }

  async #fanOut(message: Message<unknown>, envelope: Envelope, targets: Agent[]): Promise<SettlementRecord> {
    try {
      await this.#o.broker.queueFor(envelope.dst).sendBatch(
        targets.map((a) => ({
          body: { v: 1 as const, envelope, target: a.manifest.id },
          contentType: 'json' as const,
        })),
      );
      message.ack();
      return { settlement: 'fanout' };
    } catch {
      // Nothing was handled yet, so retrying the original cannot duplicate a side effect.
      message.retry({ delaySeconds: 1 });
      return { settlement: 'retry', delaySeconds: 1 };
    }
  }

  async #invoke(
    queue: string,
    message: Message<unknown>,
    body: QueueBody,
    agent: Agent,
  ): Promise<SettlementRecord> {
    const result = await invokeAgent(agent, body.envelope, this.#o.deps);
    switch (result.outcome) {
      case 'ok':
      case 'skipped':
        message.ack();
        return { settlement: 'ack' };
      case 'failed':
        return this.#deadLetter(
          queue,
          message,
          { ...body, target: agent.manifest.id },
          result.code,
          result.error,
          false,
        );
      case 'retry': {
        if (message.attempts > agent.manifest.retry.max_retries) {
          return this.#deadLetter(
            queue,
            message,
            { ...body, target: agent.manifest.id },
            'dead_lettered',
            result.error,
          );
        }
        const delaySeconds = retryDelaySeconds(agent.manifest.retry, message.attempts, result.delayMs);
        message.retry({ delaySeconds });
        return { settlement: 'retry', delaySeconds };
      }
    }
  }

  /** Keeps the message in the dead letters, reports it, then acks; if the dead-letter write fails, retries. */
  async #deadLetter(
    queue: string,
    message: Message<unknown>,
    body: QueueBody | undefined,
    reason: ErrorCode,
    error: Error,
    publishError = true,
  ): Promise<SettlementRecord> {
    const env = (body?.envelope ?? {}) as Partial<Envelope>;
    const letter = DeadLetter.parse({
      v: 1,
      queue,
      ...(body?.target !== undefined && { target: body.target }),
      reason,
      error: error.message,
      attempts: message.attempts,
      dead_lettered_at: new Date(this.#o.deps.clock.now()).toISOString(),
      body: message.body,
      ...(typeof env.provider === 'string' && { provider: env.provider }),
      ...(typeof env.tenant === 'string' && { tenant: env.tenant }),
    });
    try {
      await this.#o.deadLetters.send(letter);
    } catch {
      message.retry({ delaySeconds: 5 });
      return { settlement: 'retry', delaySeconds: 5 };
    }
    if (publishError) {
      await publishErrorEvent(this.#o.deps, body?.target ?? this.#name, env, reason, error, false);
    }
    message.ack();
    return { settlement: 'dead_letter' };
  }
}
