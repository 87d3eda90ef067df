/**
 * The HTTP bridge's admission: per API key, a token bucket (requests per second with a burst) and a cap on
 * requests in flight. Over either, the answer is 429 with a retry hint at once: nothing waits in a queue.
 */

export interface BridgeLimits {
  ratePerSecond: number;
  burst: number;
  maxInFlightPerKey: number;
  /** The retry hint when the in-flight cap refuses (a slot frees when a stream ends, not on a clock). */
  overloadRetryMs: number;
}

export const DEFAULT_BRIDGE_LIMITS: BridgeLimits = {
  ratePerSecond: 20,
  burst: 40,
  maxInFlightPerKey: 8,
  overloadRetryMs: 250,
};

export type Admission =
  | { ok: true; release: () => void }
  | { ok: false; code: 'rate_limited' | 'overloaded'; retryAfterMs: number; message: string };

/** Forget keys idle this long, so the map stays as small as the set of active keys. */
const IDLE_MS = 60_000;

export class BridgeLimiter {
  readonly #limits: BridgeLimits;
  readonly #now: () => number;
  readonly #keys = new Map<string, { tokens: number; at: number; inFlight: number }>();

  constructor(limits: BridgeLimits = DEFAULT_BRIDGE_LIMITS, now: () => number = Date.now) {
    this.#limits = limits;
    this.#now = now;
  }

  /** Requests running now across every key (the bridge's queue depth: admitted, not yet answered). */
  inFlight(): number {
    let n = 0;
    for (const s of this.#keys.values()) n += s.inFlight;
    return n;
  }

  admit(key: string): Admission {
    const now = this.#now();
    this.#sweep(now);
    const state = this.#keys.get(key) ?? { tokens: this.#limits.burst, at: now, inFlight: 0 };
    state.tokens = Math.min(
      this.#limits.burst,
      state.tokens + ((now - state.at) / 1000) * this.#limits.ratePerSecond,
    );
    state.at = now;
    this.#keys.set(key, state);
    if (state.inFlight >= this.#limits.maxInFlightPerKey)
      return {
        ok: false,
        code: 'overloaded',
        retryAfterMs: this.#limits.overloadRetryMs,
        message: `at most ${this.#limits.maxInFlightPerKey} requests may run per API key`,
      };
    if (state.tokens < 1)
      return {
        ok: false,
        code: 'rate_limited',
        retryAfterMs: Math.ceil(((1 - state.tokens) / this.#limits.ratePerSecond) * 1000),
        message: `more than ${this.#limits.ratePerSecond} requests per second for this API key`,
      };
    state.tokens -= 1;
    state.inFlight += 1;
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        state.inFlight -= 1;
      },
    };
  }

  #sweep(now: number): void {
    for (const [key, s] of this.#keys) if (s.inFlight === 0 && now - s.at > IDLE_MS) this.#keys.delete(key);
  }
}
