/**
 * Sends Discord REST calls under the bucket model: a route→bucket-hash table learned from headers,
 * one queue per `bucket:majorParameter`, the global limit, bounded retries for 429 and 5xx, a
 * timeout, idempotency, and the invalid-request circuit breaker.
 */
import { BucketQueue, type BucketQueue as BucketQueueType, type Sleeper } from './bucket-queue.ts';
import { GlobalLimiter } from './global-limiter.ts';
import { readRateLimit } from './rate-limit-headers.ts';
import type { RestState } from './rest-state.ts';
import { expandRoute, type RouteCall, randomKeyedDigest, routeKey, type SecretDigest } from './route-key.ts';

export interface RestCall extends RouteCall {
  query?: Readonly<Record<string, string>> | undefined;
  body?: unknown;
  idempotency_key?: string | undefined;
  timeout_ms?: number | undefined;
  /**
   * The webhook route carries an interaction token (not an ordinary webhook's): Discord does not count
   * it against the bot's global limit. Set only by RestBuckets, never from a caller's payload.
   */
  interaction?: boolean | undefined;
}

const CALLBACK_ROUTE = '/interactions/{interaction_id}/{interaction_token}/callback';

/** Interaction endpoints are not bound to the bot's global limit; their route buckets still apply. */
export function isInteractionEndpoint(call: RestCall): boolean {
  return call.interaction === true || call.route === CALLBACK_ROUTE;
}

export interface RestResult {
  ok: boolean;
  status: number;
  bucket: string | null;
  retry_after_ms: number | null;
  data: unknown;
  error?: { code: string; message: string };
}

export interface ExecutorOptions {
  apiBase: string;
  /** Read per call from the binding, never cached. */
  token: () => string;
  fetch: (request: Request) => Promise<Response>;
  clock: Sleeper;
  state: RestState;
  invalidBudget: number;
  invalidWindowS: number;
  globalPerSecond: number;
  idempotencyTtlMs?: number;
  defaultTimeoutMs?: number;
  maxServerErrorRetries?: number;
  maxRateLimitRetries?: number;
  /** How a secret route parameter (a webhook or interaction token) appears in queue ids. */
  secretDigest?: SecretDigest;
}

const fail = (
  status: number,
  code: string,
  message: string,
  retryAfterMs: number | null = null,
): RestResult => ({
  ok: false,
  status,
  bucket: null,
  retry_after_ms: retryAfterMs,
  data: null,
  error: { code, message },
});

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export class RestExecutor {
  readonly #o: Required<ExecutorOptions>;
  readonly #queues = new Map<string, BucketQueueType>();
  readonly #hashes = new Map<string, string>();
  readonly #global: GlobalLimiter;
  readonly #inflight = new Map<string, Promise<RestResult>>();
  sent = 0;
  rateLimited = 0;

  constructor(options: ExecutorOptions) {
    this.#o = {
      idempotencyTtlMs: 60 * 60_000,
      defaultTimeoutMs: 15_000,
      maxServerErrorRetries: 3,
      maxRateLimitRetries: 3,
      secretDigest: randomKeyedDigest(),
      ...options,
    };
    this.#global = new GlobalLimiter(options.globalPerSecond, options.clock);
  }

  /** Executes a call once per idempotency key: concurrent and later duplicates get the same result. */
  async execute(call: RestCall): Promise<RestResult> {
    if (!call.idempotency_key) return this.#guarded(call);
    const key = await sha256(
      JSON.stringify([
        call.method,
        call.route,
        call.params,
        call.query ?? {},
        call.body ?? null,
        call.idempotency_key,
      ]),
    );
    const stored = this.#o.state.storedResult(key, this.#o.clock.now());
    if (stored) return JSON.parse(stored) as RestResult;
    const running = this.#inflight.get(key);
    if (running) return running;
    const attempt = this.#guarded(call).then(async (result) => {
      // Transient failures are not remembered, so a redelivery can still succeed.
      if (result.ok || (result.status >= 400 && result.status < 500 && result.status !== 429)) {
        this.#o.state.storeResult(
          key,
          JSON.stringify(result),
          this.#o.clock.now() + this.#o.idempotencyTtlMs,
        );
        // Durable before anyone hears of it, so a retry after a crash still finds it.
        await this.#o.state.flush();
      }
      return result;
    });
    this.#inflight.set(key, attempt);
    try {
      return await attempt;
    } finally {
      this.#inflight.delete(key);
    }
  }

  async #guarded(call: RestCall): Promise<RestResult> {
    const now = this.#o.clock.now();
    const disabled = this.#o.state.tokenDisabled();
    if (disabled)
      return fail(
        401,
        'token_disabled',
        `the tenant's token is disabled (${disabled.reason}); an operator must re-enable it`,
      );
    const budget = this.#o.state.budget(now, this.#o.invalidBudget, this.#o.invalidWindowS);
    if (budget.breaker_open) {
      return fail(
        0,
        'circuit_open',
        `${budget.invalid_in_window} invalid requests in ${budget.window_s}s (budget ${budget.budget})`,
        budget.reopens_in_ms,
      );
    }
    return this.#send(call, now + (call.timeout_ms ?? this.#o.defaultTimeoutMs));
  }

  /**
   * The queue for a call. Before the route's bucket hash is known its requests queue by route; once
   * known, that same queue serves the hash, so requests that arrived before and after never race.
   */
  #queueFor(call: RestCall): BucketQueueType {
    const { routeId, major } = routeKey(call, this.#o.secretDigest);
    const hash = this.#hashes.get(routeId);
    const byRoute = `${routeId}:${major}`;
    const id = hash ? `${hash}:${major}` : byRoute;
    const queue =
      this.#queues.get(id) ??
      (hash ? this.#queues.get(byRoute) : undefined) ??
      new BucketQueue(id, this.#o.clock);
    this.#queues.set(id, queue);
    return queue;
  }

  async #send(call: RestCall, deadline: number): Promise<RestResult> {
    let serverErrors = 0;
    let rateLimits = 0;
    for (;;) {
      const queue = this.#queueFor(call);
      const exempt = isInteractionEndpoint(call);
      const wait = Math.max(queue.waitMs(), exempt ? this.#global.banWaitMs() : this.#global.waitMs());
      if (this.#o.clock.now() + wait > deadline) {
        return fail(
          429,
          'would_exceed_timeout',
          `waiting ${wait} ms for the bucket would pass the timeout`,
          wait,
        );
      }
      const response = await queue.run(async () => {
        const release = exempt ? await this.#global.acquireExempt() : await this.#global.acquire();
        this.sent++;
        const r = await this.#o.fetch(this.#request(call)).catch((e: unknown) => e as Error);
        release(!(r instanceof Error));
        // Headers are applied before the queue lets the next request go, so it never races them.
        if (!(r instanceof Error)) this.#applyHeaders(call, queue, r);
        return r;
      });
      if (response instanceof Error) {
        if (++serverErrors > this.#o.maxServerErrorRetries) return fail(0, 'network_error', response.message);
        await this.#o.clock.sleep(
          Math.min(250 * 2 ** serverErrors, Math.max(0, deadline - this.#o.clock.now())),
        );
        continue;
      }
      const outcome = await this.#settle(call, queue, response);
      if (outcome.kind === 'done') return outcome.result;
      if (outcome.kind === 'rate_limited' && ++rateLimits > this.#o.maxRateLimitRetries)
        return outcome.result;
      if (outcome.kind === 'server_error' && ++serverErrors > this.#o.maxServerErrorRetries)
        return outcome.result;
      if (outcome.kind === 'server_error') {
        await this.#o.clock.sleep(
          Math.min(250 * 2 ** serverErrors, Math.max(0, deadline - this.#o.clock.now())),
        );
      }
    }
  }

  #request(call: RestCall): Request {
    const url = new URL(this.#o.apiBase.replace(/\/$/, '') + expandRoute(call));
    for (const [k, v] of Object.entries(call.query ?? {})) url.searchParams.set(k, v);
    const headers = new Headers({ 'user-agent': 'DiscordBot (https://github.com/promethean-edge, 0.1.0)' });
    if (!/^\/(webhooks|interactions)\//.test(call.route))
      headers.set('authorization', `Bot ${this.#o.token()}`);
    const hasBody = call.body !== undefined && call.method !== 'GET';
    if (hasBody) headers.set('content-type', 'application/json');
    return new Request(url, {
      method: call.method,
      headers,
      ...(hasBody && { body: JSON.stringify(call.body) }),
    });
  }

  async #settle(
    call: RestCall,
    queue: BucketQueueType,
    response: Response,
  ): Promise<{ kind: 'done' | 'rate_limited' | 'server_error'; result: RestResult }> {
    const now = this.#o.clock.now();
    const contentType = response.headers.get('content-type') ?? '';
    const isJson = contentType.includes('application/json');
    const data: unknown = isJson ? await response.json().catch(() => null) : await response.text();
    const info = readRateLimit(response.headers, now, isJson ? data : undefined);
    const base = { status: response.status, bucket: info.bucket, data: isJson ? data : null };
    if (response.ok) return { kind: 'done', result: { ok: true, retry_after_ms: null, ...base } };
    const route = `${call.method} ${call.route}`;
    if (response.status === 429)
      return this.#rateLimited(
        call,
        queue,
        info,
        contentType.includes('text/html'),
        String(data),
        base,
        route,
      );
    if (response.status === 401 || response.status === 403)
      this.#o.state.recordInvalid(now, response.status, route);
    if (response.status === 401) this.#o.state.disableToken(now, `401 from ${route}`);
    const error = {
      code: `http_${response.status}`,
      message: isJson ? JSON.stringify(data).slice(0, 500) : String(data).slice(0, 200),
    };
    const kind = response.status >= 500 ? 'server_error' : 'done';
    return { kind, result: { ok: false, retry_after_ms: null, ...base, error } };
  }

  #rateLimited(
    call: RestCall,
    queue: BucketQueueType,
    info: ReturnType<typeof readRateLimit>,
    isBanPage: boolean,
    text: string,
    base: { status: number; bucket: string | null; data: unknown },
    route: string,
  ): { kind: 'done' | 'rate_limited'; result: RestResult } {
    const now = this.#o.clock.now();
    this.rateLimited++;
    if (info.scope !== 'shared') this.#o.state.recordInvalid(now, 429, route);
    if (isBanPage) {
      // Cloudflare's HTML ban page: stop every request of this tenant for a while; retrying makes it worse.
      const ms = Math.max(info.retryAfterMs ?? 0, 60_000);
      this.#global.ban(ms);
      return {
        kind: 'done',
        result: {
          ...base,
          ok: false,
          retry_after_ms: ms,
          error: { code: 'banned', message: text.slice(0, 200) },
        },
      };
    }
    const ms = info.retryAfterMs ?? 1000;
    // A 429 without any bucket header comes from in front of the API: treat it as global.
    if (info.global || info.bucket === null) {
      this.#global.block(ms);
      // An interaction request does not wait on the global limiter, so its retry waits on its queue.
      if (isInteractionEndpoint(call)) queue.block(ms);
    } else queue.block(ms);
    return {
      kind: 'rate_limited',
      result: {
        ...base,
        ok: false,
        retry_after_ms: ms,
        error: { code: 'rate_limited', message: `429 on ${route}` },
      },
    };
  }

  /** Learns the bucket from a response's headers; a 429 blocks the queue at once, before its body is read. */
  #applyHeaders(call: RestCall, queue: BucketQueueType, response: Response): void {
    const info = readRateLimit(response.headers, this.#o.clock.now());
    this.#learn(call, queue, info.bucket);
    queue.update(info.limit, info.remaining, info.resetAfterMs);
    if (response.status === 429 && !info.global && info.retryAfterMs !== null) queue.block(info.retryAfterMs);
  }

  /**
   * Records the route's bucket hash. The queue that carried the request becomes the hash's queue for
   * this major parameter, so requests already waiting in it and new ones never race each other.
   */
  #learn(call: RestCall, queue: BucketQueueType, bucket: string | null): void {
    if (!bucket) return;
    const { routeId, major } = routeKey(call, this.#o.secretDigest);
    if (this.#hashes.get(routeId) !== bucket) this.#hashes.set(routeId, bucket);
    const id = `${bucket}:${major}`;
    if (!this.#queues.has(id)) this.#queues.set(id, queue);
  }

  /** Drops queues idle for longer than `idleMs` with nothing waiting (the sweeper). */
  sweepIdle(idleMs: number): number {
    const now = this.#o.clock.now();
    let removed = 0;
    for (const [id, q] of [...this.#queues]) {
      if (q.waiting === 0 && now - q.lastUsed > idleMs) {
        this.#queues.delete(id);
        removed++;
      }
    }
    return removed;
  }

  /** Each live queue once, under the id it is known by (the bucket hash once learned). */
  buckets(): ReturnType<BucketQueueType['state']>[] {
    const named = new Map<BucketQueueType, string>();
    for (const [id, q] of this.#queues) if (!named.has(q) || !id.includes(' ')) named.set(q, id);
    return [...named].map(([q, id]) => ({ ...q.state(), id }));
  }
}
