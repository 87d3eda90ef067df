/** A deterministic, fault-injecting `BrokerClient` inside one process, for tests and local runs. */
import type { Envelope } from '@promethean/schemas/envelope';
import { NonRetriableError } from '../agent/agent-errors.ts';
import { assertPattern, topicMatches } from '../platform/topics.ts';
import {
  type BrokerClient,
  BrokerClosedError,
  type MessageHandler,
  type RequestOptions,
  type SubscribeOptions,
  type Subscription,
} from './broker-client.ts';
import {
  BrokerOptionsError,
  BufferOverflowError,
  DrainLimitError,
  InjectedFaultError,
} from './broker-errors.ts';
import { type FaultHandle, FaultRegistry, type FaultSpec } from './broker-faults.ts';
import { type BrokerEvent, type BrokerMetrics, BrokerRecorder } from './broker-metrics.ts';
import { DeliveryPump } from './delivery-pump.ts';
import { checkEnvelope, errorText } from './envelope-check.ts';
import {
  type InMemoryBrokerOptions,
  type ResolvedBrokerOptions,
  resolveBrokerOptions,
  resolveSubscribeOptions,
} from './in-memory-broker-options.ts';
import { requestResponse } from './request-response.ts';
import type { Scheduler } from './scheduler.ts';
import { type SeededRandom, seededRandom } from './seeded-random.ts';
import { type BufferedEntry, SubscriberBuffer } from './subscriber-buffer.ts';
import { TrackedTimers } from './tracked-timers.ts';

/** A message a subscriber gave up on after its redeliveries (or at once for a `NonRetriableError`). */
export interface DeadLetter {
  readonly envelope: Envelope;
  readonly subscriber: string;
  readonly subscription_id: string;
  /** Handler calls made, the failing ones included. */
  readonly attempts: number;
  readonly error: unknown;
  readonly at: number;
}

/** 'disconnected' refuses new work but keeps subscriptions and buffered messages for `reconnect()`. */
export type BrokerState = 'open' | 'disconnected' | 'closed';

interface Entry extends BufferedEntry {
  readonly envelope: Envelope;
  attempts: number;
}

interface LocalSubscription extends Subscription {
  readonly handler: MessageHandler;
  readonly buffer: SubscriberBuffer<Entry>;
  readonly order: number;
}

interface Delivery {
  readonly sub: LocalSubscription;
  readonly entry: Entry;
}

interface RoundResult {
  attempted: number;
  delivered: number;
}

/**
 * Delivers in publish order unless told otherwise; latency, drops, faults, overflow and redelivery are
 * all options, and every random choice comes from a seed. With a manual clock (`FakeClock`) nothing
 * moves until the test calls `clock.advance()`, `tick()` or `drain()`.
 */
export class InMemoryBroker implements BrokerClient {
  readonly #options: ResolvedBrokerOptions;
  readonly #clock: Scheduler;
  readonly #faults = new FaultRegistry();
  readonly #recorder: BrokerRecorder;
  readonly #subs = new Map<string, LocalSubscription>();
  readonly #deadLetters: DeadLetter[] = [];
  readonly #timers: TrackedTimers;
  readonly #pump: DeliveryPump;
  readonly #pendingRequests = new Set<(error: Error) => void>();
  readonly #latencyRandom: SeededRandom;
  readonly #dropRandom: SeededRandom;
  readonly #shuffleRandom: SeededRandom | undefined;
  #state: BrokerState = 'open';
  #disconnectReason: string | undefined;
  #seq = 0;
  #nextSubId = 0;
  #rounds: Promise<unknown> = Promise.resolve();

  constructor(options: InMemoryBrokerOptions = {}) {
    this.#options = resolveBrokerOptions(options);
    this.#clock = this.#options.clock;
    this.#recorder = new BrokerRecorder(() => this.#clock.now(), this.#options.eventLogLimit);
    // Separate streams, so enabling drops does not change which latencies or shuffles a seed gives.
    this.#latencyRandom = seededRandom(this.#options.seed);
    this.#dropRandom = seededRandom(this.#options.seed ^ 0x9e3779b9);
    const shuffleSeed = this.#options.shuffleSeed;
    this.#shuffleRandom = shuffleSeed === undefined ? undefined : seededRandom(shuffleSeed);
    this.#timers = new TrackedTimers(this.#clock);
    this.#pump = new DeliveryPump({
      timers: this.#timers,
      maxRounds: this.#options.maxDrainRounds,
      now: () => this.#clock.now(),
      isOpen: () => this.#isOpen(),
      runRound: async () => (await this.#exclusive(() => this.#deliverRound())).attempted,
      nextDueAt: () => this.#nextDueAt(),
      pending: () => this.pending(),
    });
  }

  /** The time source this broker runs on (the `clock` option, or real time). */
  get scheduler(): Scheduler {
    return this.#clock;
  }

  get state(): BrokerState {
    return this.#state;
  }

  /** The reason given to the last `disconnect()` while still disconnected. */
  get disconnectReason(): string | undefined {
    return this.#disconnectReason;
  }

  /**
   * Routes the envelope into every matching subscriber's buffer. Rejects with `InvalidMessageError`,
   * `InjectedFaultError`, `BufferOverflowError` or `BrokerClosedError`; with a 'block' subscriber it
   * resolves only once the message is inside that subscriber's buffer.
   */
  async publish(envelope: Envelope): Promise<void> {
    this.#assertOpen('publish');
    const env = checkEnvelope(envelope);
    const faults = this.#faults.evaluate(env);
    for (const hit of faults.hits) this.#recorder.record('fault', env, undefined, `${hit.id}:${hit.action}`);
    if (faults.error) throw new InjectedFaultError(faults.error.id, faults.error.action, env.dst, env.id);
    const targets = [...this.#subs.values()].filter((s) => topicMatches(s.pattern, env.dst));
    // Checked for all targets first, so a rejected publish reaches nobody.
    const full = targets.find((s) => s.buffer.policy === 'throw' && s.buffer.isFull());
    if (full) throw new BufferOverflowError(full.name, env.dst, full.buffer.capacity);
    this.#recorder.record('publish', env);
    if (faults.drop) return this.#recorder.record('drop', env, undefined, `fault ${faults.drop.id}`);
    if (this.#options.dropRate > 0 && this.#dropRandom.next() < this.#options.dropRate) {
      return this.#recorder.record('drop', env, undefined, 'dropRate');
    }
    const dueAt = this.#clock.now() + this.#latency() + faults.delayMs;
    const seq = ++this.#seq;
    const admissions = targets.flatMap((s) => this.#enqueue(s, { seq, dueAt, envelope: env, attempts: 0 }));
    this.#kick(dueAt);
    await Promise.all(admissions);
  }

  /** Subscribes `handler`; throws `TopicError` for a malformed pattern, `BrokerOptionsError` for bad options. */
  subscribe(pattern: string, handler: MessageHandler, options: SubscribeOptions = {}): Subscription {
    this.#assertOpen('subscribe');
    assertPattern(pattern);
    if (typeof handler !== 'function')
      throw new BrokerOptionsError('subscribe.handler', 'must be a function');
    const { bufferSize, overflow } = resolveSubscribeOptions(options, this.#options);
    const order = ++this.#nextSubId;
    const sub: LocalSubscription = {
      id: `sub-${order}`,
      pattern,
      name: options.name ?? pattern,
      handler,
      buffer: new SubscriberBuffer<Entry>(bufferSize, overflow),
      order,
    };
    this.#subs.set(sub.id, sub);
    return { id: sub.id, pattern: sub.pattern, name: sub.name };
  }

  /** Removes the subscription and discards its pending messages; publishers blocked on it are released. */
  unsubscribe(subscription: Subscription | string): void {
    const id = typeof subscription === 'string' ? subscription : subscription.id;
    const sub = this.#subs.get(id);
    if (!sub) return;
    this.#subs.delete(id);
    sub.buffer.clear();
    this.#recorder.forget(id);
  }

  /**
   * Publishes a request carrying a `corr` and resolves with the first envelope on `responsePattern` with
   * the same corr; rejects with `RequestTimeoutError` once `timeoutMs` pass on the broker's clock.
   */
  async request(envelope: Envelope, options: RequestOptions): Promise<Envelope> {
    this.#assertOpen('request');
    return requestResponse(
      { broker: this, timers: this.#timers, pending: this.#pendingRequests },
      envelope,
      options,
    );
  }

  /** Stops delivery, cancels timers, rejects pending requests and blocked publishers. Safe to call twice. */
  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#timers.cancelAll();
    this.#pump.reset();
    for (const fail of [...this.#pendingRequests]) fail(new BrokerClosedError('request'));
    for (const sub of this.#subs.values()) sub.buffer.clear(new BrokerClosedError('publish'));
    this.#subs.clear();
    this.#faults.clear();
  }

  /** Simulates a lost connection: publish, subscribe and request throw until `reconnect()`. */
  disconnect(reason = 'disconnected'): void {
    this.#assertNotClosed('disconnect');
    this.#state = 'disconnected';
    this.#disconnectReason = reason;
  }

  /** Restores a disconnected broker; messages buffered before the disconnect are delivered again. */
  reconnect(): void {
    this.#assertNotClosed('reconnect');
    this.#state = 'open';
    this.#disconnectReason = undefined;
    this.#kick(this.#nextDueAt() ?? Number.POSITIVE_INFINITY);
  }

  /** Adds a fault (see `FaultSpec`); throws `BrokerOptionsError` or `TopicError` for a bad spec. */
  addFault(spec: FaultSpec): FaultHandle {
    this.#assertNotClosed('addFault');
    return this.#faults.add(spec);
  }

  clearFaults(): void {
    this.#faults.clear();
  }

  /** One delivery round: every message due now, once. Resolves with how many handlers succeeded. */
  async tick(): Promise<number> {
    this.#assertNotClosed('tick');
    this.#pump.rethrow();
    return (await this.#exclusive(() => this.#deliverRound())).delivered;
  }

  /**
   * Runs rounds until nothing is due (redeliveries and messages published by handlers included). In real
   * time it also waits for messages still under latency; with a manual clock it never moves time.
   * Resolves with how many handlers succeeded; throws `DrainLimitError` after `maxDrainRounds` busy rounds.
   */
  async drain(): Promise<number> {
    this.#assertNotClosed('drain');
    this.#pump.rethrow();
    let delivered = 0;
    let rounds = 0;
    while (this.#state === 'open') {
      const round = await this.#exclusive(() => this.#deliverRound());
      delivered += round.delivered;
      if (round.attempted > 0) {
        if (++rounds >= this.#options.maxDrainRounds && this.#hasDue()) {
          throw new DrainLimitError(rounds, this.pending());
        }
        continue;
      }
      const next = this.#nextDueAt();
      if (next === undefined || this.#clock.manual) break;
      await this.#timers.sleep(next - this.#clock.now());
    }
    return delivered;
  }

  /** Messages waiting in subscriber buffers (due or still in flight), blocked publishes included. */
  pending(): number {
    let n = 0;
    for (const s of this.#subs.values()) n += s.buffer.size + s.buffer.blockedCount;
    return n;
  }

  metrics(): BrokerMetrics {
    const subscribers = [...this.#subs.values()].map((s) => ({
      id: s.id,
      name: s.name,
      pattern: s.pattern,
      buffered: s.buffer.size + s.buffer.blockedCount,
      ...this.#recorder.subscriberCounts(s.id),
    }));
    return { ...this.#recorder.totals(), subscribers };
  }

  /** What happened, oldest first (trimmed to the newest `eventLogLimit` entries). */
  eventLog(): readonly BrokerEvent[] {
    return this.#recorder.events();
  }

  deadLetters(): readonly DeadLetter[] {
    return [...this.#deadLetters];
  }

  #enqueue(sub: LocalSubscription, entry: Entry): Promise<void>[] {
    const result = sub.buffer.offer(entry);
    switch (result.outcome) {
      case 'accepted':
        this.#recorder.received(sub.id);
        return [];
      case 'dropped-oldest':
        this.#recorder.received(sub.id);
        this.#recorder.record('drop', result.evicted.envelope, sub, 'overflow: drop-oldest');
        return [];
      case 'dropped-newest':
        this.#recorder.record('drop', entry.envelope, sub, 'overflow: drop-newest');
        return [];
      case 'full':
        throw new BufferOverflowError(sub.name, entry.envelope.dst, sub.buffer.capacity);
      case 'blocked':
        this.#recorder.received(sub.id);
        return [result.admitted];
    }
  }

  async #deliverRound(): Promise<RoundResult> {
    if (!this.#isOpen()) return { attempted: 0, delivered: 0 };
    const now = this.#clock.now();
    const batch: Delivery[] = [];
    for (const sub of this.#subs.values()) {
      for (const entry of sub.buffer.takeDue(now)) batch.push({ sub, entry });
    }
    batch.sort(
      (a, b) => a.entry.dueAt - b.entry.dueAt || a.entry.seq - b.entry.seq || a.sub.order - b.sub.order,
    );
    this.#shuffleRandom?.shuffle(batch);
    let delivered = 0;
    for (const [i, { sub, entry }] of batch.entries()) {
      if (this.#state === 'closed') break;
      if (this.#state === 'disconnected') {
        // Not delivered yet: put the rest back, last first, so they keep their order for reconnect().
        for (const rest of batch.slice(i).reverse()) rest.sub.buffer.requeue(rest.entry);
        break;
      }
      if (this.#subs.get(sub.id) !== sub) continue;
      if (await this.#deliverOne(sub, entry)) delivered++;
    }
    return { attempted: batch.length, delivered };
  }

  async #deliverOne(sub: LocalSubscription, entry: Entry): Promise<boolean> {
    try {
      // Each delivery gets its own copy, as if it had crossed a real queue.
      await sub.handler(structuredClone(entry.envelope));
      this.#recorder.record('deliver', entry.envelope, sub);
      return true;
    } catch (error) {
      entry.attempts++;
      const retriable = !(error instanceof NonRetriableError);
      if (retriable && entry.attempts <= this.#options.maxRedeliveries && this.#state !== 'closed') {
        this.#recorder.record('retry', entry.envelope, sub, errorText(error));
        sub.buffer.requeue(entry);
      } else {
        this.#recorder.record('dead_letter', entry.envelope, sub, errorText(error));
        this.#deadLetters.push({
          envelope: entry.envelope,
          subscriber: sub.name,
          subscription_id: sub.id,
          attempts: entry.attempts,
          error,
          at: this.#clock.now(),
        });
      }
      return false;
    }
  }

  #kick(dueAt: number): void {
    if (this.#options.autoDeliver) this.#pump.kick(dueAt);
  }

  /** Rounds never overlap, so one subscriber's messages never interleave across concurrent drains. */
  #exclusive<T>(run: () => Promise<T>): Promise<T> {
    const result = this.#rounds.then(run);
    this.#rounds = result.catch(() => undefined);
    return result;
  }

  #latency(): number {
    const [min, max] = this.#options.latencyMs;
    if (min === max) return min;
    if (Number.isInteger(min) && Number.isInteger(max)) return this.#latencyRandom.int(min, max);
    return min + this.#latencyRandom.next() * (max - min);
  }

  #nextDueAt(): number | undefined {
    let next: number | undefined;
    for (const s of this.#subs.values()) {
      const at = s.buffer.nextDueAt();
      if (at !== undefined && (next === undefined || at < next)) next = at;
    }
    return next;
  }

  #hasDue(): boolean {
    const next = this.#nextDueAt();
    return next !== undefined && next <= this.#clock.now();
  }

  #isOpen(): boolean {
    return this.#state === 'open';
  }

  #assertOpen(operation: string): void {
    this.#assertNotClosed(operation);
    if (this.#state === 'disconnected') throw new BrokerClosedError(operation, 'disconnected');
  }

  #assertNotClosed(operation: string): void {
    if (this.#state === 'closed') throw new BrokerClosedError(operation);
  }
}
