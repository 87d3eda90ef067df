/**
 * The per-bot global limit (50 requests/s by default) and global 429 blocks, shared by every bucket.
 *
 * Discord counts a request when it arrives, somewhere between our send and our response. So a
 * request counts here from the moment it is sent until one second after its response: a new request
 * goes out only when fewer than the limit are in flight or answered within the last second. That
 * holds for any window alignment on Discord's side, however much the network delays a request.
 */
import type { Sleeper } from './bucket-queue.ts';

/** How often to look again when every counted request is still in flight. */
const INFLIGHT_RECHECK_MS = 10;

export class GlobalLimiter {
  readonly #perSecond: number;
  readonly #clock: Sleeper;
  #inFlight = 0;
  #answered: number[] = [];
  #blockedUntil = 0;

  constructor(perSecond: number, clock: Sleeper) {
    this.#perSecond = perSecond;
    this.#clock = clock;
  }

  /** Milliseconds until a request may go out globally. */
  waitMs(): number {
    const now = this.#clock.now();
    if (now < this.#blockedUntil) return this.#blockedUntil - now;
    while (this.#answered.length > 0 && this.#answered[0]! <= now - 1000) this.#answered.shift();
    const counted = this.#inFlight + this.#answered.length;
    if (counted < this.#perSecond) return 0;
    const oldest = this.#answered[counted - this.#perSecond];
    return oldest === undefined ? INFLIGHT_RECHECK_MS : Math.max(1, oldest + 1000 - now);
  }

  /** Waits for a global slot and takes it; call `release()` when the response arrives. */
  async acquire(): Promise<void> {
    for (let wait = this.waitMs(); wait > 0; wait = this.waitMs()) await this.#clock.sleep(wait);
    this.#inFlight++;
  }

  /** The request taken by `acquire()` was answered (or failed) now. */
  release(): void {
    this.#inFlight = Math.max(0, this.#inFlight - 1);
    this.#answered.push(this.#clock.now());
  }

  /** A global 429: every bucket stops until it passes. */
  block(retryAfterMs: number): void {
    this.#blockedUntil = Math.max(this.#blockedUntil, this.#clock.now() + retryAfterMs);
  }
}
