/** One subscriber's bounded buffer of pending messages and what happens when it is full. */
import type { OverflowPolicy } from './broker-client.ts';

/** What a buffer needs to know about an entry: arrival order and when it may be delivered. */
export interface BufferedEntry {
  readonly seq: number;
  readonly dueAt: number;
}

/** What `offer` did with an entry. */
export type OfferResult<T> =
  | { readonly outcome: 'accepted' }
  /** 'drop-oldest': the entry went in and `evicted` was pushed out to make room. */
  | { readonly outcome: 'dropped-oldest'; readonly evicted: T }
  /** 'drop-newest': the offered entry itself was discarded. */
  | { readonly outcome: 'dropped-newest' }
  /** 'throw': nothing changed; the caller rejects the publish. */
  | { readonly outcome: 'full' }
  /** 'block': the entry waits outside the buffer; `admitted` resolves once it is let in. */
  | { readonly outcome: 'blocked'; readonly admitted: Promise<void> };

interface Waiter<T> {
  readonly entry: T;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

/** FIFO buffer with a bound; entries leave it in due-time order. */
export class SubscriberBuffer<T extends BufferedEntry> {
  readonly capacity: number;
  readonly policy: OverflowPolicy;
  #entries: T[] = [];
  readonly #blocked: Waiter<T>[] = [];

  constructor(capacity: number, policy: OverflowPolicy) {
    if (!(Number.isInteger(capacity) && capacity > 0)) {
      throw new RangeError(`SubscriberBuffer: capacity must be a positive integer, got ${capacity}`);
    }
    this.capacity = capacity;
    this.policy = policy;
  }

  /** Entries inside the buffer (blocked publishers not included). */
  get size(): number {
    return this.#entries.length;
  }

  /** Entries waiting outside a full 'block' buffer. */
  get blockedCount(): number {
    return this.#blocked.length;
  }

  isFull(): boolean {
    return this.#entries.length >= this.capacity;
  }

  /** Adds an entry, applying the overflow policy when the buffer is full. */
  offer(entry: T): OfferResult<T> {
    // Behind blocked publishers even when there is room, so publish order is kept.
    if (!this.isFull() && this.#blocked.length === 0) {
      this.#entries.push(entry);
      return { outcome: 'accepted' };
    }
    switch (this.policy) {
      case 'drop-oldest': {
        const evicted = this.#entries.shift()!;
        this.#entries.push(entry);
        return { outcome: 'dropped-oldest', evicted };
      }
      case 'drop-newest':
        return { outcome: 'dropped-newest' };
      case 'throw':
        return { outcome: 'full' };
      case 'block': {
        const admitted = new Promise<void>((resolve, reject) => {
          this.#blocked.push({ entry, resolve, reject });
        });
        return { outcome: 'blocked', admitted };
      }
    }
  }

  /** Puts an entry back for redelivery; a redelivery is never lost to overflow, so it ignores the bound. */
  requeue(entry: T): void {
    this.#entries.unshift(entry);
  }

  /** Removes and returns the entries due at `now`, earliest first, then lets blocked entries in. */
  takeDue(now: number): T[] {
    const due = this.#entries.filter((e) => e.dueAt <= now);
    if (due.length > 0) this.#entries = this.#entries.filter((e) => e.dueAt > now);
    this.#admitBlocked();
    return due.sort((a, b) => a.dueAt - b.dueAt || a.seq - b.seq);
  }

  /** The earliest due time inside the buffer, if any. */
  nextDueAt(): number | undefined {
    let next: number | undefined;
    for (const e of this.#entries) if (next === undefined || e.dueAt < next) next = e.dueAt;
    return next;
  }

  /** Empties the buffer; blocked publishers are rejected with `error`, or released when none is given. */
  clear(error?: Error): void {
    this.#entries = [];
    for (const w of this.#blocked.splice(0)) {
      if (error) w.reject(error);
      else w.resolve();
    }
  }

  #admitBlocked(): void {
    while (this.#blocked.length > 0 && !this.isFull()) {
      const waiter = this.#blocked.shift()!;
      this.#entries.push(waiter.entry);
      waiter.resolve();
    }
  }
}
