/**
 * The per-bot global limit (50 requests/s by default) and global 429 blocks, shared by every bucket.
 * A sliding window: never more than the limit in ANY one-second span, so it holds whatever window
 * alignment Discord's side uses.
 */
import type { Sleeper } from './bucket-queue.ts';

/** Room left between our window and Discord's clock, so a request near the edge is not early. */
const EDGE_MARGIN_MS = 25;

export class GlobalLimiter {
  readonly #perSecond: number;
  readonly #clock: Sleeper;
  #sent: number[] = [];
  #blockedUntil = 0;

  constructor(perSecond: number, clock: Sleeper) {
    this.#perSecond = perSecond;
    this.#clock = clock;
  }

  /** Milliseconds until a request may go out globally. */
  waitMs(): number {
    const now = this.#clock.now();
    if (now < this.#blockedUntil) return this.#blockedUntil - now;
    while (this.#sent.length > 0 && this.#sent[0]! <= now - 1000 - EDGE_MARGIN_MS) this.#sent.shift();
    if (this.#sent.length < this.#perSecond) return 0;
    return this.#sent[this.#sent.length - this.#perSecond]! + 1000 + EDGE_MARGIN_MS - now;
  }

  /** Waits for a global slot and takes it. */
  async acquire(): Promise<void> {
    for (let wait = this.waitMs(); wait > 0; wait = this.waitMs()) await this.#clock.sleep(wait);
    this.#sent.push(this.#clock.now());
  }

  /** A global 429: every bucket stops until it passes. */
  block(retryAfterMs: number): void {
    this.#blockedUntil = Math.max(this.#blockedUntil, this.#clock.now() + retryAfterMs);
  }
}
