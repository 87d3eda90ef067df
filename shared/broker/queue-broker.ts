/** The BrokerClient on Cloudflare Queues: producers by topic route, in-process subscribers for the consumer. */
import type { Envelope } from '@promethean/schemas/envelope';
import { InvalidMessageError } from '../agent/agent-errors.ts';
import { isMinted, parseEnvelope } from '../agent/envelope-factory.ts';
import { componentTelemetry } from '../agent/telemetry.ts';
import { assertPattern, topicMatches } from '../platform/topics.ts';
import {
  type BrokerClient,
  BrokerClosedError,
  type MessageHandler,
  type RequestOptions,
  RequestTimeoutError,
  type SubscribeOptions,
  type Subscription,
} from './broker-client.ts';
import { BUS_ROUTES, type BusRoute, routeFor } from './bus-routes.ts';
import { QUEUE_BATCH_LIMITS, type QueueBatchBody, type QueueBody } from './queue-body.ts';

/** Where request/response waits: a store the response's consumer can reach from any isolate. */
export interface ReplyMailbox {
  /** Says a request will wait on `corr`: only replies to such corrs are kept (`offer`). */
  expect(corr: string): Promise<void>;
  /** Resolves with the response for `corr`, or undefined after `timeoutMs`. */
  awaitReply(corr: string, timeoutMs: number): Promise<Envelope | undefined>;
  deliver(envelope: Envelope): Promise<void>;
  /**
   * Delivers the reply if a request expects its corr; a reply nobody asked for through `request` (a
   * backfill page, a posted message's answer) is left alone, so it is not copied into a mailbox and stored.
   */
  offer(envelope: Envelope): Promise<void>;
}

export interface QueueBrokerOptions {
  /** Producer bindings by name, e.g. `{ BUS_EVENTS: env.BUS_EVENTS, BUS_ACCESS: env.BUS_ACCESS }`. */
  queues: Readonly<Record<string, Queue<QueueBody> | undefined>>;
  routes?: readonly BusRoute[];
  mailbox?: ReplyMailbox;
  /** Intents that answer a request; only these are delivered to the mailbox (default: rest.response). */
  replyIntents?: readonly string[];
  /**
   * The deployed version: stamped as `build_sha` on every envelope sent without one, so what a Durable
   * Object builds itself (gateway events, health) names its code as agent outputs do.
   */
  buildSha?: string;
}

interface LocalSubscription extends Subscription {
  handler: MessageHandler;
}

/**
 * What is sent: a minted envelope as it is (validated when it was built; the consumer's boundary parses
 * it again), anything else parsed here so a hand-built envelope fails at its publisher.
 */
function outgoing(envelope: Envelope): Envelope {
  return isMinted(envelope) ? envelope : parseEnvelope(envelope);
}

export class QueueBroker implements BrokerClient {
  readonly #queues: QueueBrokerOptions['queues'];
  readonly #routes: readonly BusRoute[];
  readonly #mailbox: ReplyMailbox | undefined;
  readonly #replyIntents: ReadonlySet<string>;
  readonly #buildSha: string | undefined;
  readonly #subscriptions = new Map<string, LocalSubscription>();
  #nextId = 0;
  #closed = false;

  constructor(options: QueueBrokerOptions) {
    // An optional route whose binding this broker lacks is skipped: its topics fall through.
    this.#routes = (options.routes ?? BUS_ROUTES).filter((r) => !r.optional || options.queues[r.binding]);
    this.#queues = options.queues;
    this.#mailbox = options.mailbox;
    this.#replyIntents = new Set(options.replyIntents ?? ['rest.response']);
    this.#buildSha = options.buildSha || undefined;
    for (const r of this.#routes) {
      if (!options.queues[r.binding])
        throw new Error(`QueueBroker: route ${r.pattern} needs queue binding ${r.binding}`);
    }
  }

  #stamped(envelope: Envelope): Envelope {
    if (this.#buildSha === undefined || envelope.build_sha !== undefined) return envelope;
    return { ...envelope, build_sha: this.#buildSha };
  }

  /** The producer that carries a topic. */
  queueFor(topic: string): Queue<QueueBody> {
    return this.#queues[routeFor(topic, this.#routes).binding]!;
  }

  async publish(envelope: Envelope): Promise<void> {
    if (this.#closed) throw new BrokerClosedError('publish');
    const valid = this.#stamped(outgoing(envelope));
    await this.queueFor(valid.dst).send({ v: 1, envelope: valid }, { contentType: 'json' });
  }

  /** Publishes several envelopes with one `sendBatch` per queue; answers the queue messages sent (one each). */
  async publishMany(envelopes: readonly Envelope[]): Promise<number> {
    if (this.#closed) throw new BrokerClosedError('publish');
    const byQueue = new Map<Queue<QueueBody>, QueueBody[]>();
    for (const e of envelopes.map((raw) => this.#stamped(outgoing(raw)))) {
      const q = this.queueFor(e.dst);
      byQueue.set(q, [...(byQueue.get(q) ?? []), { v: 1, envelope: e }]);
    }
    for (const [q, bodies] of byQueue) {
      for (let i = 0; i < bodies.length; i += 100) {
        await q.sendBatch(bodies.slice(i, i + 100).map((body) => ({ body, contentType: 'json' as const })));
      }
    }
    return envelopes.length;
  }

  /**
   * Publishes several envelopes in as few queue messages as the limits allow: the envelopes of one
   * queue travel together in `QueueBatchBody` messages of at most `limits.envelopes` envelopes and
   * `limits.bytes` of JSON (a lone envelope goes as a plain `QueueBody`). Cloudflare bills each message,
   * so N envelopes in one message cost one write, one read and one delete instead of N of each.
   * Answers the queue messages sent.
   */
  async publishCoalesced(
    envelopes: readonly Envelope[],
    limits: { envelopes: number; bytes: number } = QUEUE_BATCH_LIMITS,
  ): Promise<number> {
    if (this.#closed) throw new BrokerClosedError('publish');
    const byQueue = new Map<Queue<QueueBody>, Envelope[]>();
    for (const e of envelopes.map((raw) => this.#stamped(parseEnvelope(raw)))) {
      const q = this.queueFor(e.dst);
      byQueue.set(q, [...(byQueue.get(q) ?? []), e]);
    }
    let sent = 0;
    for (const [q, list] of byQueue) {
      const bodies = packEnvelopes(list, limits);
      sent += bodies.length;
      const queue = q as unknown as Queue<QueueBody | QueueBatchBody>;
      for (let i = 0; i < bodies.length; i += 100) {
        await queue.sendBatch(
          bodies.slice(i, i + 100).map((body) => ({ body, contentType: 'json' as const })),
        );
      }
    }
    return sent;
  }

  /** In-process subscribers see every message this isolate's consumer handles on a matching topic. */
  subscribe(pattern: string, handler: MessageHandler, options: SubscribeOptions = {}): Subscription {
    if (this.#closed) throw new BrokerClosedError('subscribe');
    assertPattern(pattern);
    const id = `sub-${++this.#nextId}`;
    const sub = { id, pattern, name: options.name ?? pattern, handler };
    this.#subscriptions.set(id, sub);
    return { id, pattern, name: sub.name };
  }

  unsubscribe(subscription: Subscription | string): void {
    this.#subscriptions.delete(typeof subscription === 'string' ? subscription : subscription.id);
  }

  /** Called by the consumer router for each message it accepted. */
  async notifyLocal(envelope: Envelope): Promise<void> {
    for (const s of this.#subscriptions.values()) {
      if (!topicMatches(s.pattern, envelope.dst)) continue;
      // One failing observer must not keep the others (or the reply mailbox) from seeing the message.
      await Promise.resolve()
        .then(() => s.handler(envelope))
        .catch((e: unknown) =>
          componentTelemetry('queue-broker', envelope).error('local subscriber failed', {
            subscriber: s.name,
            error: String(e),
          }),
        );
    }
    if (this.#mailbox && envelope.corr !== undefined && this.#replyIntents.has(envelope.intent)) {
      await this.#mailbox.offer(envelope);
    }
  }

  /** Needs a mailbox: a queue consumer elsewhere delivers the response into it by corr. */
  async request(envelope: Envelope, options: RequestOptions): Promise<Envelope> {
    if (this.#closed) throw new BrokerClosedError('request');
    if (envelope.corr === undefined) {
      throw new InvalidMessageError(
        'QueueBroker.request needs a corr',
        ['corr: required for request/response'],
        {
          topic: envelope.dst,
          intent: envelope.intent,
        },
      );
    }
    if (!this.#mailbox) {
      throw new Error(
        'QueueBroker.request needs a ReplyMailbox; stateless workers should continue on the response instead',
      );
    }
    // Before publishing: the reply can then never arrive before the mailbox expects it.
    await this.#mailbox.expect(envelope.corr);
    await this.publish(envelope);
    const reply = await this.#mailbox.awaitReply(envelope.corr, options.timeoutMs);
    if (!reply || !topicMatches(options.responsePattern, reply.dst)) {
      throw new RequestTimeoutError(envelope.corr, options.responsePattern, options.timeoutMs);
    }
    return reply;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#subscriptions.clear();
  }
}

const UTF8 = new TextEncoder();

/**
 * Packs envelopes, in order, into queue bodies within the limits. An envelope that alone exceeds the
 * byte limit still goes (alone, as a plain body): the queue, not the packer, decides whether it fits.
 */
export function packEnvelopes(
  envelopes: readonly Envelope[],
  limits: { envelopes: number; bytes: number },
): (QueueBody | QueueBatchBody)[] {
  const groups: Envelope[][] = [];
  let current: Envelope[] = [];
  let bytes = 0;
  for (const e of envelopes) {
    const size = UTF8.encode(JSON.stringify(e)).length + 1;
    if (current.length > 0 && (current.length >= limits.envelopes || bytes + size > limits.bytes)) {
      groups.push(current);
      current = [];
      bytes = 0;
    }
    current.push(e);
    bytes += size;
  }
  if (current.length > 0) groups.push(current);
  return groups.map((g) => (g.length === 1 ? { v: 1, envelope: g[0] } : { v: 1, envelopes: g }));
}
