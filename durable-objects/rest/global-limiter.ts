/**
 * The per-bot global limit (50 requests/s by default) and global 429 blocks, shared by every bucket.
 *
 * Discord counts a request when it arrives, somewhere between our send and our response, and we
 * never see when. Holding each request's slot from its send until one second after its response is
 * safe for any arrival time, but then each slot lasts a second plus a round trip, so throughput
 * falls as latency rises (50 / (1 + RTT) per second).
 *
 * Every round trip is a fixed part (propagation both ways, Discord's least handling time) plus
 * queueing and extra handling, which only ever add. So a request answered at `r` arrived no later
 * than `r - fixed`, and a request sent at `s` arrives no earlier than `s + fixedOut`: holding a slot
 * until `r + 1000 - fixed` still keeps any 51 arrivals more than a second apart, and with a steady
 * latency that is one second after the send, the limit itself. The fixed part is estimated as the
 * shortest round trip of a request that had the line to itself (nothing else of ours in flight from
 * its send to its answer), less a margin; a too-small estimate only costs throughput. Until enough
 * such round trips have been seen, and for requests that failed without an answer, the whole round trip
 * counts, as before.
 *
 * Interaction endpoints (the callback, the original response and follow-ups on an interaction token)
 * are not bound to the bot's global limit (https://discord.com/developers/docs/topics/rate-limits#global-rate-limit),
 * so they take no slot and never wait for one; only a Cloudflare ban, which is per IP address, holds them.
 */
import type { Sleeper } from './bucket-queue.ts';

/** How often to look again when every counted request is still in flight. */
const INFLIGHT_RECHECK_MS = 10;
/**
 * Taken off the shortest round trip before it is trusted as the fixed part: the shortest one seen
 * may still hold a little queueing that a later request does not have.
 */
export const FIXED_RTT_MARGIN_MS = 3;
/** Quiet round trips needed before their shortest is trusted: one may still have met queueing. */
export const QUIET_SAMPLES_NEEDED = 8;

export class GlobalLimiter {
  readonly #perSecond: number;
  readonly #clock: Sleeper;
  #inFlight = 0;
  /** Interaction requests in flight: no slot, but a round trip beside them is not quiet. */
  #exemptInFlight = 0;
  /** When each answered request stops counting, in increasing order. */
  #expiries: number[] = [];
  #blockedUntil = 0;
  #bannedUntil = 0;
  #minRttMs = Number.POSITIVE_INFINITY;
  #sends = 0;
  #quietSamples = 0;
  readonly #waiters: Array<(release: (answered?: boolean) => void) => void> = [];

  constructor(perSecond: number, clock: Sleeper) {
    this.#perSecond = perSecond;
    this.#clock = clock;
  }

  /** The part of every round trip trusted as fixed (0 until a round trip has been seen). */
  get fixedRttMs(): number {
    if (this.#quietSamples < QUIET_SAMPLES_NEEDED) return 0;
    return Math.max(0, this.#minRttMs - FIXED_RTT_MARGIN_MS);
  }

  /** Milliseconds until a request may go out globally. */
  waitMs(): number {
    const now = this.#clock.now();
    if (now < this.#blockedUntil) return this.#blockedUntil - now;
    while (this.#expiries.length > 0 && this.#expiries[0]! <= now) this.#expiries.shift();
    const counted = this.#inFlight + this.#expiries.length;
    if (counted < this.#perSecond) return 0;
    const first = this.#expiries[counted - this.#perSecond];
    return first === undefined ? INFLIGHT_RECHECK_MS : Math.max(1, first - now);
  }

  /**
   * Waits for a global slot and takes it, first come first served: a request that waited is never
   * overtaken by one that arrived later (unfair order stalls bucket queues behind a starved request).
   * Call the returned function when the request is answered, with `answered: false` when it failed
   * without a response (its arrival time is then unknown).
   */
  async acquire(): Promise<(answered?: boolean) => void> {
    if (this.#waiters.length === 0 && this.waitMs() === 0) return this.#take();
    return new Promise((resolve) => {
      this.#waiters.push(resolve);
      if (this.#waiters.length === 1) void this.#serveWaiters();
    });
  }

  /** One loop hands out slots to the waiters in order, so only one timer runs however many wait. */
  async #serveWaiters(): Promise<void> {
    while (this.#waiters.length > 0) {
      for (let wait = this.waitMs(); wait > 0; wait = this.waitMs()) await this.#clock.sleep(wait);
      // Taken here, before the waiter resumes, so the next turn already sees the slot counted.
      this.#waiters.shift()!(this.#take());
    }
  }

  /**
   * For an interaction request: waits out a ban only, and takes no slot. The returned function
   * (call it when answered) ends its part in the quiet-round-trip check.
   */
  async acquireExempt(): Promise<(answered?: boolean) => void> {
    for (let wait = this.banWaitMs(); wait > 0; wait = this.banWaitMs()) await this.#clock.sleep(wait);
    this.#exemptInFlight++;
    this.#sends++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#exemptInFlight = Math.max(0, this.#exemptInFlight - 1);
    };
  }

  /** Milliseconds until an interaction request may go out: only a ban holds it. */
  banWaitMs(): number {
    return Math.max(0, this.#bannedUntil - this.#clock.now());
  }

  #take(): (answered?: boolean) => void {
    const aloneAtSend = this.#inFlight === 0 && this.#exemptInFlight === 0;
    this.#inFlight++;
    const sendNumber = ++this.#sends;
    const sentAt = this.#clock.now();
    let released = false;
    return (answered = true) => {
      if (released) return;
      released = true;
      // Only a round trip with nothing else of ours in flight is free of the queueing our own burst
      // causes (at our end, on the way, and at Discord); a burst's quickest answer is not.
      const alone = aloneAtSend && this.#sends === sendNumber;
      this.#release(sentAt, answered, alone);
    };
  }

  #release(sentAt: number, answered: boolean, alone: boolean): void {
    const now = this.#clock.now();
    this.#inFlight = Math.max(0, this.#inFlight - 1);
    if (answered && alone) {
      this.#quietSamples++;
      this.#minRttMs = Math.min(this.#minRttMs, now - sentAt);
    }
    const expiry = now + 1000 - (answered ? this.fixedRttMs : 0);
    // Keep the list sorted: a slow answer may expire after a quicker, later one.
    let i = this.#expiries.length;
    while (i > 0 && this.#expiries[i - 1]! > expiry) i--;
    this.#expiries.splice(i, 0, expiry);
  }

  /** A global 429: every bucket stops until it passes. */
  block(retryAfterMs: number): void {
    this.#blockedUntil = Math.max(this.#blockedUntil, this.#clock.now() + retryAfterMs);
  }

  /** Cloudflare's ban page: it bars the IP address, so interaction requests stop too. */
  ban(ms: number): void {
    this.block(ms);
    this.#bannedUntil = Math.max(this.#bannedUntil, this.#clock.now() + ms);
  }
}
