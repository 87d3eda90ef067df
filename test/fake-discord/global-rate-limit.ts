/**
 * Discord's global rate limit: 50 requests per second per bot token, across all routes
 * (https://discord.com/developers/docs/topics/rate-limits#global-rate-limit).
 */
import type { BucketLimit } from './rate-limit-buckets.ts';

/** Discord's documented global limit. */
export const DEFAULT_GLOBAL_LIMIT: BucketLimit = { limit: 50, windowMs: 1_000 };

/** Fixed one-second windows per bot. */
export class GlobalRateLimit {
  readonly #now: () => number;
  readonly #limit: BucketLimit;
  readonly #windows = new Map<string, { count: number; resetAt: number }>();

  constructor(now: () => number, limit: BucketLimit = DEFAULT_GLOBAL_LIMIT) {
    this.#now = now;
    this.#limit = limit;
  }

  /** Counts a request for `bot`, or answers the seconds until its window opens again. */
  take(bot: string): { ok: true } | { ok: false; retryAfterS: number } {
    const now = this.#now();
    let window = this.#windows.get(bot);
    if (window === undefined || now >= window.resetAt) {
      window = { count: 0, resetAt: now + this.#limit.windowMs };
      this.#windows.set(bot, window);
    }
    if (window.count >= this.#limit.limit) return { ok: false, retryAfterS: (window.resetAt - now) / 1000 };
    window.count += 1;
    return { ok: true };
  }

  /** Forgets every window. */
  reset(): void {
    this.#windows.clear();
  }
}
