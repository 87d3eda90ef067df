/**
 * One rate-limit queue (`bucketHash:majorParameter`), like @discordjs/rest's SequentialHandler:
 * requests go one at a time, and a request waits instead of being sent into an exhausted bucket.
 */

export interface Sleeper {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realSleeper: Sleeper = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export class BucketQueue {
  readonly id: string;
  #limit = Number.POSITIVE_INFINITY;
  #remaining = 1;
  #resetAt = 0;
  #tail: Promise<void> = Promise.resolve();
  #waiting = 0;
  lastUsed: number;

  constructor(
    id: string,
    private readonly clock: Sleeper,
  ) {
    this.id = id;
    this.lastUsed = clock.now();
  }

  /** How long a request would wait right now before it could be sent. */
  waitMs(): number {
    if (this.#remaining > 0) return 0;
    return Math.max(0, this.#resetAt - this.clock.now());
  }

  get waiting(): number {
    return this.#waiting;
  }

  /** Runs `send` when this queue's turn and the bucket allow; serializes calls in arrival order. */
  async run<T>(send: () => Promise<T>): Promise<T> {
    this.#waiting++;
    const previous = this.#tail;
    let release!: () => void;
    this.#tail = new Promise((r) => {
      release = r;
    });
    try {
      await previous;
      const wait = this.waitMs();
      if (wait > 0) await this.clock.sleep(wait);
      if (this.#remaining <= 0) this.#remaining = this.#limit === Number.POSITIVE_INFINITY ? 1 : this.#limit;
      this.#remaining--;
      this.lastUsed = this.clock.now();
      return await send();
    } finally {
      this.#waiting--;
      release();
    }
  }

  /** Learns the bucket's state from a response's headers. */
  update(limit: number | null, remaining: number | null, resetAfterMs: number | null): void {
    if (limit !== null) this.#limit = limit;
    if (remaining !== null) this.#remaining = remaining;
    if (resetAfterMs !== null) this.#resetAt = this.clock.now() + resetAfterMs;
  }

  /** After a 429 on this bucket: nothing more until `retryAfterMs` has passed. */
  block(retryAfterMs: number): void {
    this.#remaining = 0;
    this.#resetAt = Math.max(this.#resetAt, this.clock.now() + retryAfterMs);
  }

  state(): { id: string; limit: number | null; remaining: number; reset_in_ms: number; waiting: number } {
    return {
      id: this.id,
      limit: Number.isFinite(this.#limit) ? this.#limit : null,
      remaining: this.#remaining,
      reset_in_ms: Math.max(0, this.#resetAt - this.clock.now()),
      waiting: this.#waiting,
    };
  }
}
