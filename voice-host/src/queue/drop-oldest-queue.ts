/** A bounded FIFO that never blocks the producer: when full, the oldest item is dropped and counted. */

export class DropOldestQueue<T> {
  readonly capacity: number;
  #items: T[] = [];
  #head = 0;
  #dropped = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`DropOldestQueue capacity must be a positive integer, got ${capacity}`);
    }
    this.capacity = capacity;
  }

  /** Items waiting. */
  get size(): number {
    return this.#items.length - this.#head;
  }

  /** Items dropped since the queue was made. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Adds an item; returns the item dropped to make room, if any. */
  push(item: T): T | undefined {
    let evicted: T | undefined;
    if (this.size >= this.capacity) {
      evicted = this.shift();
      this.#dropped++;
    }
    this.#items.push(item);
    return evicted;
  }

  /** Takes the oldest item. */
  shift(): T | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head]!;
    this.#items[this.#head] = undefined as T;
    this.#head++;
    // Compact now and then so the array does not grow without bound.
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }

  peek(): T | undefined {
    return this.#head < this.#items.length ? this.#items[this.#head] : undefined;
  }

  clear(): void {
    this.#items = [];
    this.#head = 0;
  }
}
