/**
 * Load shedding for the functions Worker's HTTP routes: bounded in-flight requests per isolate and per
 * client. A request over the isolate's limit gets 503, over its client's limit 429, both at once and
 * with `Retry-After`; nothing ever waits for a slot. Exempt paths (the interactions webhook, whose
 * 3-second deadline must never be spent waiting or refused; health probes) pass straight through.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';

export interface LoadSheddingOptions {
  /** Requests in flight in this isolate before it answers 503. */
  maxInFlight: number;
  /** Requests in flight for one client before it answers 429. */
  maxInFlightPerClient: number;
  /** Path prefixes that are never counted or refused. */
  exempt?: readonly string[];
  /** Who the client is; the connecting IP by default. */
  clientKey?: (c: Context) => string;
  /** Floor of Retry-After in seconds (default 1); it grows with the observed request time. */
  minRetryAfterS?: number;
  /** Called for every refusal (metrics). */
  onShed?: (kind: 'saturated' | 'client_limit', path: string) => void;
}

/** The client a request comes from, as Cloudflare reports it (per-client limits key on it). */
export const connectingIp = (c: Context): string =>
  c.req.header('cf-connecting-ip') ?? c.req.header('x-forwarded-for')?.split(',')[0]?.trim() ?? 'unknown';

function assertPositiveInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`loadShedding: ${name} must be a positive integer, got ${value}`);
  }
}

/** Refuses at once when the isolate or the client is at its limit; counts the request otherwise. */
export const loadShedding = (options: LoadSheddingOptions): MiddlewareHandler => {
  assertPositiveInteger('maxInFlight', options.maxInFlight);
  assertPositiveInteger('maxInFlightPerClient', options.maxInFlightPerClient);
  const exempt = options.exempt ?? [];
  const clientKey = options.clientKey ?? connectingIp;
  const minRetryAfterS = options.minRetryAfterS ?? 1;
  const byClient = new Map<string, number>();
  let inFlight = 0;
  let meanMs = 0;

  const refuse = (
    c: Context,
    status: 429 | 503,
    kind: 'saturated' | 'client_limit',
    message: string,
  ): never => {
    const retryAfterS = Math.max(minRetryAfterS, Math.ceil(meanMs / 1000));
    options.onShed?.(kind, c.req.path);
    c.header('Retry-After', String(retryAfterS));
    throw new HTTPException(status, { message: `${message}; retry after ${retryAfterS} s` });
  };

  return async function loadShedding(c, next) {
    if (exempt.some((prefix) => c.req.path === prefix || c.req.path.startsWith(`${prefix}/`))) {
      await next();
      return;
    }
    const client = clientKey(c);
    const mine = byClient.get(client) ?? 0;
    if (inFlight >= options.maxInFlight) {
      refuse(c, 503, 'saturated', `this Worker is saturated (${inFlight} requests in flight)`);
    }
    if (mine >= options.maxInFlightPerClient) {
      refuse(c, 429, 'client_limit', `too many concurrent requests from this client (${mine} in flight)`);
    }
    inFlight++;
    byClient.set(client, mine + 1);
    const started = Date.now();
    try {
      await next();
    } finally {
      inFlight--;
      const left = (byClient.get(client) ?? 1) - 1;
      if (left > 0) byClient.set(client, left);
      else byClient.delete(client);
      meanMs += 0.2 * (Date.now() - started - meanMs);
    }
  };
};
