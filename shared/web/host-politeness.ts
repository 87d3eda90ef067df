/**
 * Per-host politeness as plain state: at most one request in flight, at least `delay` between the
 * starts of two requests (robots crawl-delay or the default), and a token bucket on top. A job-wide
 * bucket caps the whole job's rate. The Durable Object (or a local driver) owns one of these per host.
 */

export interface TokenBucketState {
  tokens: number;
  updated_at: number;
}

/** A token bucket: `rate` tokens per second, at most `burst` saved up. */
export class TokenBucket {
  constructor(
    readonly rate: number,
    readonly burst: number,
    public state: TokenBucketState = { tokens: burst, updated_at: 0 },
  ) {}

  #refill(now: number): void {
    const elapsed = Math.max(0, now - this.state.updated_at) / 1000;
    this.state = { tokens: Math.min(this.burst, this.state.tokens + elapsed * this.rate), updated_at: now };
  }

  /** Gives back a token taken for a request that did not happen. */
  refund(): void {
    this.state = { ...this.state, tokens: Math.min(this.burst, this.state.tokens + 1) };
  }

  /** Takes a token (0) or says how long until one is there (ms). */
  take(now: number): number {
    this.#refill(now);
    if (this.state.tokens >= 1) {
      this.state = { ...this.state, tokens: this.state.tokens - 1 };
      return 0;
    }
    return Math.ceil(((1 - this.state.tokens) / this.rate) * 1000);
  }
}

export interface HostGateState {
  in_flight: string | undefined;
  /** When the request in flight started: a holder that vanished frees the host after `lease_ms`. */
  in_flight_since: number;
  last_start: number;
  bucket: TokenBucketState;
}

export interface HostGateOptions {
  /** Minimum gap between request starts, in ms (crawl-delay × 1000, or the default). */
  delay_ms: number;
  /** Requests per second the host's bucket allows (≤ 1000 / delay_ms makes the delay the binding limit). */
  rate: number;
  /** A request slot not released after this long is taken back (a killed worker). */
  lease_ms: number;
}

export type GateAnswer = { granted: true } | { granted: false; wait_ms: number };

export const INITIAL_HOST_GATE: HostGateState = Object.freeze({
  in_flight: undefined,
  in_flight_since: 0,
  last_start: Number.NEGATIVE_INFINITY,
  bucket: { tokens: 1, updated_at: 0 },
});

/** Asks for the host's one request slot at `now` for `holder`; a granted slot must be released. */
export function acquireHost(
  state: HostGateState,
  holder: string,
  now: number,
  o: HostGateOptions,
): [HostGateState, GateAnswer] {
  if (
    state.in_flight !== undefined &&
    state.in_flight !== holder &&
    now - state.in_flight_since < o.lease_ms
  ) {
    return [state, { granted: false, wait_ms: Math.max(o.delay_ms, 50) }];
  }
  const sinceLast = now - state.last_start;
  if (sinceLast < o.delay_ms) return [state, { granted: false, wait_ms: Math.ceil(o.delay_ms - sinceLast) }];
  const bucket = new TokenBucket(o.rate, 1, state.bucket);
  const wait = bucket.take(now);
  if (wait > 0)
    return [
      { ...state, bucket: bucket.state },
      { granted: false, wait_ms: wait },
    ];
  return [
    { in_flight: holder, in_flight_since: now, last_start: now, bucket: bucket.state },
    { granted: true },
  ];
}

/** Frees the slot (only its holder can). */
export function releaseHost(state: HostGateState, holder: string): HostGateState {
  return state.in_flight === holder ? { ...state, in_flight: undefined } : state;
}
