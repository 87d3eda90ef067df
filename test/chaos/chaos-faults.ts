/**
 * The faults a chaos run injects into the bus and the workers, each drawn from its own seeded stream so
 * one kind of fault never changes where another lands: publishes the broker refuses, delayed publishes,
 * broker disconnects, redelivered copies, workers dying before a handler, between two side effects or
 * right after a write. Silent drops of accepted messages are a separate, opt-in control (see `silentDrops`).
 */
import type { Envelope } from '@promethean/schemas/envelope';
import type { Agent } from '@promethean/shared/agent/agent-definition';
import type { InMemoryBroker } from '@promethean/shared/broker/in-memory-broker';
import { type SeededRandom, seededRandom } from '@promethean/shared/broker/seeded-random';
import type { DocumentStore } from '@promethean/shared/effects/document-store';
import type { BlobStore, EffectPorts, VectorStore } from '@promethean/shared/effects/effect-ports';

/** Probability of each fault per opportunity (a publish, an invocation, a write). */
export interface FaultRates {
  publish_failure: number;
  publish_delay: number;
  broker_disconnect: number;
  duplicate: number;
  crash_before_invoke: number;
  crash_between_effects: number;
  crash_after_write: number;
  /** Loss of an accepted message: not a fault the platform survives; 0 except in the audit's own control. */
  silent_drop: number;
}

export const DEFAULT_FAULT_RATES: FaultRates = {
  publish_failure: 0.03,
  publish_delay: 0.08,
  broker_disconnect: 0.004,
  duplicate: 0.05,
  crash_before_invoke: 0.03,
  crash_between_effects: 0.03,
  crash_after_write: 0.03,
  silent_drop: 0,
};

/** How much later a delayed publish is delivered (broker time). */
export const PUBLISH_DELAY_MS = 300;

/** A worker dying: thrown from inside an invocation, so the message is delivered again. */
export class SimulatedCrash extends Error {
  override readonly name = 'SimulatedCrash';
}

export type FaultCounts = Record<
  | 'publish_failures'
  | 'publish_delays'
  | 'broker_disconnects'
  | 'duplicate_deliveries'
  | 'crashes_before_invoke'
  | 'crashes_between_effects'
  | 'crashes_after_write'
  | 'mongo_restarts'
  | 'chroma_restarts'
  | 'durable_object_evictions'
  | 'silent_drops',
  number
>;

/** Streams by fault kind: adding a kind of fault never moves where the others land. */
function streams(seed: number) {
  const s = (salt: number) => seededRandom((seed * 2654435761 + salt) >>> 0);
  return {
    publishFailure: s(1),
    publishDelay: s(2),
    disconnect: s(3),
    duplicate: s(4),
    crashInvoke: s(5),
    crashPublish: s(6),
    crashWrite: s(7),
    silentDrop: s(8),
    duplicateWhen: s(9),
  };
}

export class FaultInjector {
  readonly counts: FaultCounts = {
    publish_failures: 0,
    publish_delays: 0,
    broker_disconnects: 0,
    duplicate_deliveries: 0,
    crashes_before_invoke: 0,
    crashes_between_effects: 0,
    crashes_after_write: 0,
    mongo_restarts: 0,
    chroma_restarts: 0,
    durable_object_evictions: 0,
    silent_drops: 0,
  };
  readonly #rates: FaultRates;
  readonly #r: ReturnType<typeof streams>;
  readonly #broker: InMemoryBroker;
  /** Copies of published envelopes to publish again, by the round they are due in. */
  readonly #duplicates = new Map<number, Envelope[]>();
  /** Ids the silent-drop control dropped (their copies are dropped too). */
  readonly #dropped = new Set<string>();
  #round = 0;

  constructor(seed: number, rates: FaultRates, broker: InMemoryBroker) {
    this.#rates = rates;
    this.#r = streams(seed);
    this.#broker = broker;
    broker.addFault({
      pattern: 'promethean.>',
      action: 'error',
      when: () => this.#counted('publish_failures', this.#r.publishFailure, rates.publish_failure),
    });
    broker.addFault({
      pattern: 'promethean.>',
      action: 'delay',
      delayMs: PUBLISH_DELAY_MS,
      when: () => this.#counted('publish_delays', this.#r.publishDelay, rates.publish_delay),
    });
    if (rates.silent_drop > 0) {
      // Only live creates, and every copy of one once it is dropped: the control's loss is then exactly
      // the messages that never reached any agent.
      broker.addFault({
        pattern: 'promethean.p.*.t.*.events.SocialMessageCreated',
        action: 'drop',
        when: (env) => env.src === 'discord-gateway' && this.#dropsSilently(env.id),
      });
    }
  }

  /** Draws from `r`; on a hit, counts one `kind`. */
  #counted(kind: keyof FaultCounts, r: SeededRandom, p: number): boolean {
    if (!(p > 0 && r.next() < p)) return false;
    this.counts[kind]++;
    return true;
  }

  #dropsSilently(id: string): boolean {
    if (this.#dropped.has(id)) return true;
    if (this.#r.silentDrop.next() >= this.#rates.silent_drop) return false;
    this.#dropped.add(id);
    this.counts.silent_drops++;
    return true;
  }

  /** The driver tells the injector which round it is in (duplicates are scheduled in rounds). */
  set round(round: number) {
    this.#round = round;
  }

  /** `beforeInvoke`: the worker dies before it did anything. */
  beforeInvoke = (_agent: Agent, envelope: Envelope): void => {
    if (this.#r.crashInvoke.next() < this.#rates.crash_before_invoke) {
      this.counts.crashes_before_invoke++;
      throw new SimulatedCrash(`worker died before handling ${envelope.id}`);
    }
  };

  /**
   * `beforePublish`: the broker may drop its connection (the publish then fails), the worker may die
   * between two side effects, or the publish is kept to be delivered once more later (at-least-once).
   */
  beforePublish = (envelope: Envelope): void => {
    if (this.#r.disconnect.next() < this.#rates.broker_disconnect) {
      this.counts.broker_disconnects++;
      this.#broker.disconnect('chaos: connection lost');
      return;
    }
    if (this.#r.crashPublish.next() < this.#rates.crash_between_effects) {
      this.counts.crashes_between_effects++;
      throw new SimulatedCrash(`worker died before publishing ${envelope.id}`);
    }
    this.maybeDuplicate(envelope);
  };

  /** Keeps a copy of `envelope` for a later round (same id: a redelivery, not a new message). */
  maybeDuplicate(envelope: Envelope): void {
    if (this.#r.duplicate.next() >= this.#rates.duplicate || this.#dropped.has(envelope.id)) return;
    const due = this.#round + this.#r.duplicateWhen.int(1, 15);
    this.#duplicates.set(due, [...(this.#duplicates.get(due) ?? []), structuredClone(envelope)]);
  }

  /** The copies due by `round` (and removes them). */
  duplicatesDue(round: number): Envelope[] {
    const due: Envelope[] = [];
    for (const [at, envelopes] of [...this.#duplicates]) {
      if (at > round) continue;
      due.push(...envelopes);
      this.#duplicates.delete(at);
    }
    return due;
  }

  duplicatesPending(): number {
    let n = 0;
    for (const envelopes of this.#duplicates.values()) n += envelopes.length;
    return n;
  }

  #afterWrite<T>(write: Promise<T>, what: string): Promise<T> {
    return write.then((result) => {
      if (this.#r.crashWrite.next() < this.#rates.crash_after_write) {
        this.counts.crashes_after_write++;
        throw new SimulatedCrash(`worker died right after ${what}`);
      }
      return result;
    });
  }

  /** The tenant's ports with writes that may be followed by the worker dying (the write itself stands). */
  wrapPorts(ports: EffectPorts): EffectPorts {
    const { documents, vectors, blobs } = ports;
    return {
      ...ports,
      ...(documents && { documents: this.#documents(documents) }),
      ...(vectors && { vectors: this.#vectors(vectors) }),
      ...(blobs && { blobs: this.#blobs(blobs) }),
    };
  }

  #documents(d: DocumentStore): DocumentStore {
    return {
      upsertMany: (c, docs) =>
        this.#afterWrite(d.upsertMany(c, docs), `writing ${docs.length} ${c} documents`),
      get: (c, id) => d.get(c, id),
      getMany: (c, ids) => d.getMany(c, ids),
      find: (c, index, o) => d.find(c, index, o),
      count: (c, o) => d.count(c, o),
    };
  }

  #vectors(v: VectorStore): VectorStore {
    return {
      upsert: (c, records, spec) =>
        this.#afterWrite(v.upsert(c, records, spec), `writing ${records.length} ${c} vectors`),
      delete: (c, ids) => this.#afterWrite(v.delete(c, ids), `deleting ${ids.length} ${c} vectors`),
      query: (c, e, k, where, madeWith) => v.query(c, e, k, where, madeWith),
      count: (c) => v.count(c),
      pinned: (c) => v.pinned(c),
    };
  }

  #blobs(b: BlobStore): BlobStore {
    return {
      put: (key, body, type) => this.#afterWrite(b.put(key, body, type), `storing blob ${key}`),
      get: (key) => b.get(key),
    };
  }
}
