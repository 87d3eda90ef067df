/**
 * Per-host politeness as plain state: at most one request in flight, at least `delay` from the end of
 * one response to the next start (robots crawl-delay or the default), a token bucket on top, and
 * optionally a queue of waiters that are told their turn. A job-wide
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
  /**
   * When the request in flight starts (a granted start may lie a little ahead): a holder that
   * vanished frees the host `lease_ms` after it.
   */
  in_flight_since: number;
  /** When the request in flight was granted (the gate's clock): with the worker's `held_ms`, a floor for its end. */
  granted_at?: number;
  last_start: number;
  /**
   * When the host's last response ended: the release's arrival, or the end its worker reported, kept
   * within what the gate knows for sure (`releaseHost`). The crawl-delay counts from here, so a request
   * sent late by a busy worker still leaves the full delay after it. Absent in gates stored before this
   * field existed.
   */
  last_end?: number;
  /** How long the last request held the slot (grant to release): the estimate for the one in flight. */
  last_duration?: number;
  /** Askers waiting for the slot, in order, each with the time it was told to come back. */
  waiters?: HostWaiter[];
  bucket: TokenBucketState;
}

export interface HostWaiter {
  holder: string;
  due: number;
}

export interface HostGateOptions {
  /** Minimum gap between the end of one response and the next start, in ms (crawl-delay × 1000, or the default). */
  delay_ms: number;
  /** Requests per second the host's bucket allows (≤ 1000 / delay_ms makes the delay the binding limit). */
  rate: number;
  /** A request slot not released after this long is taken back (a killed worker). */
  lease_ms: number;
  /**
   * Queue waiters whose turn is at most this far ahead, and grant starts up to this far ahead (the
   * asker sleeps until then). Unset: no queue and only immediate grants; every refused asker asks again
   * (the local driver, whose holders change with every try).
   */
  queue_horizon_ms?: number;
  /** A waiter's turn is kept for it this long past the time it was told; then the next waiter's turn. */
  offer_ms?: number;
}

/** A grant may start `start_in_ms` from now (0: at once); the asker must not send before then. */
export type GateAnswer = { granted: true; start_in_ms: number } | { granted: false; wait_ms: number };

export const INITIAL_HOST_GATE: HostGateState = Object.freeze({
  in_flight: undefined,
  in_flight_since: 0,
  last_start: Number.NEGATIVE_INFINITY,
  bucket: { tokens: 1, updated_at: 0 },
});

/** A refused asker is told at least this: asking again sooner only costs a round trip. */
const MIN_WAIT_MS = 5;

/**
 * Asks for the host's one request slot at `now` for `holder`; a granted slot must be released.
 * With a queue (`queue_horizon_ms`), refused askers keep their place and are told their turn, so
 * each waiter asks about twice instead of every waiter asking whenever the slot might be free; a
 * waiter that does not come back within `offer_ms` of its turn loses its place. `future` false
 * (robots.txt, fetched by the gate's owner at once) asks only for an immediate start.
 */
export function acquireHost(
  state: HostGateState,
  holder: string,
  now: number,
  o: HostGateOptions,
  future = true,
): [HostGateState, GateAnswer] {
  const leased = state.in_flight !== undefined && now - state.in_flight_since < o.lease_ms;
  if (leased && state.in_flight === holder)
    return [state, { granted: true, start_in_ms: Math.max(0, state.in_flight_since - now) }];
  const horizon = o.queue_horizon_ms;
  const offer = o.offer_ms ?? 0;
  const waiters = (state.waiters ?? []).filter((w) => w.due + offer >= now);
  const duration = state.last_duration ?? 0;
  const period = o.delay_ms + duration;
  const lastEnd = state.last_end ?? Number.NEGATIVE_INFINITY;
  let ready = leased
    ? Math.max(now, state.in_flight_since + duration) + o.delay_ms
    : Math.max(now, state.last_start + o.delay_ms, lastEnd + o.delay_ms);
  const bucket = new TokenBucket(o.rate, 1, state.bucket);
  ready += new TokenBucket(o.rate, 1, state.bucket).take(ready);
  const position = waiters.findIndex((w) => w.holder === holder);
  const head = waiters[0];
  const myTurn = position === 0 || head === undefined || (position === -1 && head.due >= ready + period);
  const startIn = ready - now;
  if (!leased && myTurn && (startIn <= 0 || (future && horizon !== undefined && startIn <= horizon))) {
    bucket.take(ready);
    return [
      {
        ...state,
        in_flight: holder,
        in_flight_since: ready,
        granted_at: now,
        last_start: ready,
        bucket: bucket.state,
        waiters: waiters.filter((w) => w.holder !== holder),
      },
      { granted: true, start_in_ms: Math.ceil(startIn) },
    ];
  }
  const place = position >= 0 ? position : waiters.length;
  const due = ready + (myTurn ? 0 : place * period);
  const wait = Math.max(MIN_WAIT_MS, Math.ceil(due - now));
  if (horizon === undefined)
    return [
      { ...state, waiters: undefined },
      { granted: false, wait_ms: wait },
    ];
  let next = waiters;
  if (position >= 0) next = waiters.map((w, i) => (i === position ? { holder, due: now + wait } : w));
  else if (wait <= horizon) next = [...waiters, { holder, due: now + wait }];
  return [
    { ...state, waiters: next },
    { granted: false, wait_ms: wait },
  ];
}

/** The response's end as its worker reported it (see `ResponseEnd` in crawl-port). */
export interface ReportedEnd {
  ended_at: number;
  held_ms: number;
}

/**
 * Frees the slot (only its holder can); the crawl-delay to the next start counts from the response's
 * end. That is `now` (the release's arrival, after the end by the release's trip) unless the worker
 * reported when it read the end: then `ended_at`, but never later than `now` (a future value) and never
 * earlier than the floor the gate can prove without trusting the worker's clock: the grant's time plus
 * the worker's `held_ms` (a duration from the grant's answer to the end, which ran after the grant), and
 * the granted start. So a skewed, early or garbled report can shorten the gap only back to that floor;
 * a missing or malformed one leaves `now`.
 */
export function releaseHost(
  state: HostGateState,
  holder: string,
  now: number,
  reported?: ReportedEnd,
): HostGateState {
  if (state.in_flight !== holder) return state;
  const end = reported ? reportedEnd(state, now, reported) : now;
  return {
    ...state,
    in_flight: undefined,
    last_end: Math.max(end, state.in_flight_since),
    last_duration: Math.max(0, end - state.in_flight_since),
  };
}

function reportedEnd(state: HostGateState, now: number, r: ReportedEnd): number {
  if (!Number.isFinite(r.ended_at) || !Number.isFinite(r.held_ms) || r.held_ms < 0) return now;
  if (state.granted_at === undefined) return now;
  const floor = Math.max(state.in_flight_since, state.granted_at + r.held_ms);
  return Math.min(now, Math.max(floor, r.ended_at));
}
