/** Counters and the ordered event log an in-memory broker keeps, so tests can assert what happened. */
import type { Envelope } from '@promethean/schemas/envelope';

/** What happened to a message. */
export type BrokerEventKind = 'publish' | 'deliver' | 'drop' | 'retry' | 'dead_letter' | 'fault';

/** One entry of `eventLog()`. */
export interface BrokerEvent {
  /** Strictly increasing per broker, even when old entries are trimmed. */
  readonly seq: number;
  /** Broker clock time (ms). */
  readonly at: number;
  readonly kind: BrokerEventKind;
  readonly topic: string;
  readonly envelope_id: string;
  /** The subscriber's name, for per-subscriber events. */
  readonly subscriber?: string;
  /** Why: the fault id and action, the drop cause, or the handler's error message. */
  readonly detail?: string;
}

/** Message counts; after publish, a message fanned out to several subscribers counts once per subscriber. */
export interface BrokerCounts {
  published: number;
  delivered: number;
  dropped: number;
  retried: number;
  dead_lettered: number;
}

/** Per-subscriber counts: `received` is messages routed into its buffer. */
export interface SubscriberCounts extends Omit<BrokerCounts, 'published'> {
  received: number;
}

/** Counts for one live subscription. */
export interface SubscriberMetrics extends SubscriberCounts {
  readonly id: string;
  readonly name: string;
  readonly pattern: string;
  /** Messages waiting in its buffer now (including ones still in flight under latency). */
  readonly buffered: number;
}

/** What `metrics()` returns. */
export interface BrokerMetrics extends BrokerCounts {
  readonly subscribers: readonly SubscriberMetrics[];
}

const COUNTER: Record<BrokerEventKind, keyof BrokerCounts | undefined> = {
  publish: 'published',
  deliver: 'delivered',
  drop: 'dropped',
  retry: 'retried',
  dead_letter: 'dead_lettered',
  fault: undefined,
};

/** A subscriber as the recorder names it. */
export interface RecordedSubscriber {
  readonly id: string;
  readonly name: string;
}

const zero = (): BrokerCounts => ({ published: 0, delivered: 0, dropped: 0, retried: 0, dead_lettered: 0 });
const zeroSubscriber = (): SubscriberCounts => ({
  received: 0,
  delivered: 0,
  dropped: 0,
  retried: 0,
  dead_lettered: 0,
});

/** Keeps counters and a bounded event log for one broker. */
export class BrokerRecorder {
  readonly #now: () => number;
  readonly #limit: number;
  readonly #totals = zero();
  readonly #bySubscriber = new Map<string, SubscriberCounts>();
  #events: BrokerEvent[] = [];
  #seq = 0;

  constructor(now: () => number, eventLogLimit: number) {
    this.#now = now;
    this.#limit = eventLogLimit;
  }

  /** Counts one event and appends it to the log. */
  record(kind: BrokerEventKind, envelope: Envelope, subscriber?: RecordedSubscriber, detail?: string): void {
    const counter = COUNTER[kind];
    if (counter) {
      this.#totals[counter]++;
      if (subscriber && counter !== 'published') this.#countsFor(subscriber.id)[counter]++;
    }
    const event: BrokerEvent = {
      seq: ++this.#seq,
      at: this.#now(),
      kind,
      topic: envelope.dst,
      envelope_id: envelope.id,
      ...(subscriber && { subscriber: subscriber.name }),
      ...(detail !== undefined && { detail }),
    };
    this.#events.push(event);
    if (this.#events.length > this.#limit) this.#events = this.#events.slice(-this.#limit);
  }

  totals(): BrokerCounts {
    return { ...this.#totals };
  }

  /** Counts a message routed into a subscriber's buffer (not an event of its own). */
  received(id: string): void {
    this.#countsFor(id).received++;
  }

  subscriberCounts(id: string): SubscriberCounts {
    return { ...this.#countsFor(id) };
  }

  forget(id: string): void {
    this.#bySubscriber.delete(id);
  }

  events(): readonly BrokerEvent[] {
    return [...this.#events];
  }

  #countsFor(id: string): SubscriberCounts {
    let counts = this.#bySubscriber.get(id);
    if (!counts) {
      counts = zeroSubscriber();
      this.#bySubscriber.set(id, counts);
    }
    return counts;
  }
}
