/** Typed failures of an outbound fetch: refused by the guard (never retried), upstream refusals, transient trouble. */
import { type ErrorContext, NonRetriableError, RetryAfterError } from '../agent/agent-errors.ts';

/** Why the SSRF guard refused a URL or a response; stable strings stored in documents and reports. */
export type RefusalReason =
  | 'invalid_url'
  | 'scheme'
  | 'userinfo'
  | 'port'
  | 'blocked_address'
  | 'blocked_name'
  | 'resolves_to_blocked_address'
  | 'unresolvable'
  | 'too_many_redirects'
  | 'too_large'
  | 'content_type';

/**
 * Signed CDN URLs carry their signature in the query string, and that signature works like a
 * short-lived credential: errors, logs and documents show the URL without query or fragment.
 */
export function redactUrl(url: string | URL): string {
  try {
    const u = new URL(String(url));
    return `${u.protocol}//${u.host}${u.pathname}${u.search ? '?…' : ''}`;
  } catch {
    return '(unparseable url)';
  }
}

/** The guard refused to fetch (or to keep reading). Retrying the same URL cannot succeed. */
export class SsrfRefusedError extends NonRetriableError {
  override readonly name = 'SsrfRefusedError';
  constructor(
    readonly reason: RefusalReason,
    readonly url: string,
    detail: string,
    context: ErrorContext = {},
  ) {
    super(`refused to fetch ${redactUrl(url)}: ${reason} (${detail})`, context);
  }
}

/** The origin answered with a final refusal (403, 404, 410, ...): the attachment is gone or forbidden. */
export class UpstreamRefusedError extends NonRetriableError {
  override readonly name = 'UpstreamRefusedError';
  constructor(
    readonly status: number,
    readonly url: string,
    context: ErrorContext = {},
  ) {
    super(`${redactUrl(url)} answered ${status}`, context);
  }
}

/** The origin or the egress is overloaded or unreachable for now (429, 5xx, network, timeout). */
export class UpstreamUnavailableError extends RetryAfterError {
  override readonly name = 'UpstreamUnavailableError';
  /** The origin's HTTP status, when it answered at all. */
  readonly status: number | undefined;
  constructor(
    readonly url: string,
    detail: string,
    retryAfterMs: number,
    context: ErrorContext = {},
    options: { cause?: unknown; status?: number } = {},
  ) {
    super(`${redactUrl(url)} unavailable: ${detail}`, retryAfterMs, context, { cause: options.cause });
    this.status = options.status;
  }
}

/** The egress itself is misconfigured (a bad shared secret, a malformed answer): an operator must act. */
export class EgressConfigurationError extends NonRetriableError {
  override readonly name = 'EgressConfigurationError';
}

/** Milliseconds from a Retry-After header (seconds or an HTTP date), or the fallback. */
export function retryAfterMs(header: string | null, fallbackMs: number, nowMs = Date.now()): number {
  if (header === null || header.trim() === '') return fallbackMs;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? fallbackMs : Math.max(0, date - nowMs);
}
