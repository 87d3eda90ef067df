/**
 * Discord's per-route rate limits: fixed windows per bucket hash and major parameter, with the
 * X-RateLimit-* headers (https://discord.com/developers/docs/topics/rate-limits#header-format).
 */
import { createHash } from 'node:crypto';

/** `limit` requests per `windowMs`, the window starting at the first request. */
export interface BucketLimit {
  limit: number;
  windowMs: number;
}

/** A route's limit; routes naming the same `bucket` share one counter and one hash, as on Discord. */
export interface RouteRateLimit extends BucketLimit {
  bucket?: string;
}

/** The rate-limit configuration: per operation id, a default, and the channel name/topic sublimit. */
export interface RateLimitConfig {
  routes: Record<string, RouteRateLimit>;
  fallback: BucketLimit;
  /** PATCH /channels/{channel_id} changing `name` or `topic`: Discord's documented 2 per 10 minutes. */
  channelRenameSublimit: BucketLimit;
}

/** Defaults modelled on what Discord sends today; tests override what they exercise. */
export const DEFAULT_ROUTE_LIMITS: Record<string, RouteRateLimit> = {
  create_message: { limit: 5, windowMs: 5_000 },
  update_message: { limit: 5, windowMs: 5_000 },
  delete_message: { limit: 5, windowMs: 1_000 },
  list_messages: { limit: 5, windowMs: 5_000 },
  get_channel: { limit: 5, windowMs: 5_000 },
  update_channel: { limit: 5, windowMs: 5_000 },
  create_interaction_response: { limit: 5, windowMs: 1_000 },
  execute_webhook: { limit: 5, windowMs: 2_000 },
  update_original_webhook_message: { limit: 5, windowMs: 1_000, bucket: 'webhook_message_edit' },
  update_webhook_message: { limit: 5, windowMs: 1_000, bucket: 'webhook_message_edit' },
  list_application_commands: { limit: 5, windowMs: 5_000 },
  bulk_set_application_commands: { limit: 5, windowMs: 20_000, bucket: 'application_commands_put' },
  bulk_set_guild_application_commands: { limit: 5, windowMs: 20_000, bucket: 'application_commands_put' },
  get_bot_gateway: { limit: 2, windowMs: 5_000 },
  get_my_user: { limit: 5, windowMs: 5_000 },
};

/** Where a request falls: whose limits, which route, which top-level resource. */
export interface BucketKey {
  bot: string;
  operationId: string;
  majorParameter: string;
  /** The request also draws on the channel rename sublimit. */
  sublimited?: boolean;
}

/** The outcome of taking a request from its bucket. */
export type BucketDecision =
  | { ok: true; headers: Record<string, string> }
  | { ok: false; retryAfterS: number; sublimit: boolean; headers: Record<string, string> };

interface Window {
  count: number;
  resetAt: number;
}

/** Fixed-window counters keyed `${bot}:${hash}:${majorParameter}`. */
export class RateLimitBuckets {
  readonly #now: () => number;
  readonly #seed: string;
  readonly #config: RateLimitConfig;
  readonly #windows = new Map<string, Window>();

  constructor(now: () => number, seed: string, config: RateLimitConfig) {
    this.#now = now;
    this.#seed = seed;
    this.#config = config;
  }

  /** The opaque `X-RateLimit-Bucket` value of a route (shared by routes in one bucket). */
  hashFor(operationId: string): string {
    const group = this.#limitFor(operationId).bucket ?? operationId;
    return createHash('sha256').update(`${this.#seed}:bucket:${group}`).digest('hex').slice(0, 32);
  }

  /** Counts the request if its bucket (and sublimit) has room; otherwise says how long to wait. */
  take(key: BucketKey): BucketDecision {
    const limit = this.#limitFor(key.operationId);
    const hash = this.hashFor(key.operationId);
    const main = this.#window(`${key.bot}:${hash}:${key.majorParameter}`, limit);
    if (main.count >= limit.limit) {
      return {
        ok: false,
        retryAfterS: this.#after(main),
        sublimit: false,
        headers: this.#headers(main, limit, hash),
      };
    }
    if (key.sublimited) {
      const subLimit = this.#config.channelRenameSublimit;
      const sub = this.#window(`${key.bot}:rename:${key.majorParameter}`, subLimit);
      // Discord answers a sublimit with the route's own headers, remaining still above zero.
      if (sub.count >= subLimit.limit) {
        return {
          ok: false,
          retryAfterS: this.#after(sub),
          sublimit: true,
          headers: this.#headers(main, limit, hash),
        };
      }
      sub.count += 1;
    }
    main.count += 1;
    return { ok: true, headers: this.#headers(main, limit, hash) };
  }

  /** The headers of a bucket as it stands, without counting a request (for scripted 429s). */
  peek(key: BucketKey): Record<string, string> {
    const limit = this.#limitFor(key.operationId);
    const hash = this.hashFor(key.operationId);
    const existing = this.#windows.get(`${key.bot}:${hash}:${key.majorParameter}`);
    const live = existing !== undefined && this.#now() < existing.resetAt;
    const window = live ? existing : { count: 0, resetAt: this.#now() + limit.windowMs };
    return this.#headers(window, limit, hash);
  }

  /** Forgets every window. */
  reset(): void {
    this.#windows.clear();
  }

  #limitFor(operationId: string): RouteRateLimit {
    return this.#config.routes[operationId] ?? this.#config.fallback;
  }

  #window(key: string, limit: BucketLimit): Window {
    const now = this.#now();
    let window = this.#windows.get(key);
    if (window === undefined || now >= window.resetAt) {
      window = { count: 0, resetAt: now + limit.windowMs };
      this.#windows.set(key, window);
    }
    return window;
  }

  #after(window: Window): number {
    return Math.max(0, window.resetAt - this.#now()) / 1000;
  }

  #headers(window: Window, limit: BucketLimit, hash: string): Record<string, string> {
    return {
      'X-RateLimit-Limit': String(limit.limit),
      'X-RateLimit-Remaining': String(Math.max(0, limit.limit - window.count)),
      'X-RateLimit-Reset': (window.resetAt / 1000).toFixed(3),
      'X-RateLimit-Reset-After': this.#after(window).toFixed(3),
      'X-RateLimit-Bucket': hash,
    };
  }
}
