/** The per-bot global limit (50 requests/s by default) and global 429 blocks, shared by every bucket. */
import type { Sleeper } from './bucket-queue.ts';

export class GlobalLimiter {
  readonly #perSecond: number;
  readonly #clock: Sleeper;
  #windowStart = 0;
  #used = 0;
  #blockedUntil = 0;

  constructor(perSecond: number, clock: Sleeper) {
    this.#perSecond = perSecond;
    this.#clock = clock;
  }

  /** Milliseconds until a request may go out globally. */
  waitMs(): number {
    const now = this.#clock.now();
    if (now < this.#blockedUntil) return this.#blockedUntil - now;
    if (now - this.#windowStart >= 1000) return 0;
    return this.#used < this.#perSecond ? 0 : this.#windowStart + 1000 - now;
  }

  /** Waits for a global slot and takes it. */
  async acquire(): Promise<void> {
    for (let wait = this.waitMs(); wait > 0; wait = this.waitMs()) await this.#clock.sleep(wait);
    const now = this.#clock.now();
    if (now - this.#windowStart >= 1000) {
      this.#windowStart = now;
      this.#used = 0;
    }
    this.#used++;
  }

  /** A global 429: every bucket stops until it passes. */
  block(retryAfterMs: number): void {
    this.#blockedUntil = Math.max(this.#blockedUntil, this.#clock.now() + retryAfterMs);
  }
}
