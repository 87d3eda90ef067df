/** Reads Discord's rate-limit headers and 429 bodies into one shape. */

export interface RateLimitInfo {
  bucket: string | null;
  limit: number | null;
  remaining: number | null;
  /** Milliseconds until the bucket resets, from Reset-After (preferred) or Reset. */
  resetAfterMs: number | null;
  global: boolean;
  scope: 'user' | 'global' | 'shared' | null;
  /** For 429s: how long Discord asked us to wait (body `retry_after`, else `Retry-After`). */
  retryAfterMs: number | null;
}

function num(value: string | null): number | null {
  if (value === null || value.trim() === '') return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

/** Parses headers (and a JSON 429 body when there is one); tolerates every header being absent. */
export function readRateLimit(headers: Headers, nowMs: number, body?: unknown): RateLimitInfo {
  const resetAfter = num(headers.get('x-ratelimit-reset-after'));
  const reset = num(headers.get('x-ratelimit-reset'));
  const scope = headers.get('x-ratelimit-scope');
  const b = (body ?? {}) as { retry_after?: unknown; global?: unknown };
  const bodyRetry = typeof b.retry_after === 'number' ? b.retry_after * 1000 : null;
  const headerRetry = num(headers.get('retry-after'));
  return {
    bucket: headers.get('x-ratelimit-bucket'),
    limit: num(headers.get('x-ratelimit-limit')),
    remaining: num(headers.get('x-ratelimit-remaining')),
    resetAfterMs:
      resetAfter !== null ? resetAfter * 1000 : reset !== null ? Math.max(0, reset * 1000 - nowMs) : null,
    global: headers.get('x-ratelimit-global') === 'true' || b.global === true,
    scope: scope === 'user' || scope === 'global' || scope === 'shared' ? scope : null,
    retryAfterMs: bodyRetry ?? (headerRetry !== null ? headerRetry * 1000 : null),
  };
}
