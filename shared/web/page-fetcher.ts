/**
 * The crawler's fetcher: one GET at a time through the SSRF guard, never a form or a POST, with a
 * timeout, retries with backoff, a size cap, a content-type allowlist, charset decoding and
 * conditional revalidation. Redirects are not followed here: the crawler enqueues their target, so
 * robots.txt and politeness apply to every hop and a redirect loop ends at the frontier's dedupe.
 */
import type { HttpFetch } from '../effects/effect-ports.ts';
import { readCappedStream } from '../net/capped-stream.ts';
import { mediaTypeOf } from '../net/content-types.ts';
import { retryAfterMs, SsrfRefusedError } from '../net/egress-errors.ts';
import { checkUrl } from '../net/ssrf-guard.ts';
import type { HostResolver, SsrfPolicy } from '../net/ssrf-policy.ts';
import { decodeBody } from './charset.ts';
import { carriesSessionToken } from './url-canonicalizer.ts';

export const PAGE_MAX_BYTES = 5 * 1024 * 1024;
export const PAGE_CONTENT_TYPES = Object.freeze(['text/html', 'application/xhtml+xml', 'text/plain']);
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const TRANSIENT = new Set([408, 425, 429, 500, 502, 503, 504]);

export interface FetcherOptions {
  fetch: HttpFetch;
  policy: SsrfPolicy;
  resolve?: HostResolver | undefined;
  user_agent: string;
  timeout_ms?: number;
  /** Attempts after the first for a transient failure (429, 5xx, network, timeout). */
  retries?: number;
  backoff_base_ms?: number;
  /** Waits between attempts; a fake in tests. */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

export interface FetchRequest {
  url: string;
  /** Validators from the last crawl: answered 304 means unchanged. */
  etag?: string | undefined;
  last_modified?: string | undefined;
  max_bytes?: number;
  content_types?: readonly string[];
  /** Overrides the fetcher's retry count for this request (robots.txt is asked once: failure rules decide). */
  retries?: number;
  /** The caller wants raw bytes (a gzipped sitemap): no binary sniffing, no text decoding. */
  binary?: boolean;
  /** A retry waits at least this long after the failed answer: the host's crawl-delay. */
  min_retry_gap_ms?: number;
}

interface Answered {
  status: number;
  url: string;
  headers: Record<string, string>;
  elapsed_ms: number;
  attempts: number;
}

export type SkipReason =
  | 'refused'
  | 'session_token'
  | 'content_type'
  | 'binary'
  | 'too_large'
  | 'status'
  | 'unavailable';

export type FetchResult =
  | (Answered & {
      kind: 'ok';
      media_type: string;
      charset: string;
      text: string;
      bytes: number;
      body: Uint8Array;
    })
  | (Answered & { kind: 'not_modified' })
  | (Answered & { kind: 'redirect'; location: string })
  | { kind: 'skipped'; reason: SkipReason; url: string; detail: string; status?: number; attempts: number };

/** Magic numbers of formats that sometimes hide behind an `.html` name or a `text/html` header. */
const BINARY_MAGIC: readonly number[][] = [
  [0x89, 0x50, 0x4e, 0x47], // PNG
  [0x25, 0x50, 0x44, 0x46], // %PDF
  [0x50, 0x4b, 0x03, 0x04], // ZIP
  [0x1f, 0x8b], // gzip
  [0xff, 0xd8, 0xff], // JPEG
  [0x7f, 0x45, 0x4c, 0x46], // ELF
  [0x47, 0x49, 0x46, 0x38], // GIF
];

/** Whether the first bytes look binary: a known magic number, or NUL bytes (no text encoding we accept has them outside UTF-16). */
export function looksBinary(body: Uint8Array): boolean {
  if (BINARY_MAGIC.some((magic) => magic.every((b, i) => body[i] === b))) return true;
  const head = body.subarray(0, 1024);
  const utf16Bom = (head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff);
  return !utf16Bom && head.includes(0);
}

export class PageFetcher {
  readonly #o: FetcherOptions;

  constructor(options: FetcherOptions) {
    this.#o = options;
  }

  /** Fetches one URL; never throws for a page-level problem (those are `skipped` results). */
  async fetch(request: FetchRequest): Promise<FetchResult> {
    const refusal = await this.refusal(request.url);
    if (refusal) return refusal;
    const retries = request.retries ?? this.#o.retries ?? 2;
    const base = this.#o.backoff_base_ms ?? 500;
    let last: FetchResult | undefined;
    for (let attempt = 1; attempt <= retries + 1; attempt++) {
      const outcome = await this.#attempt(request, attempt);
      if (outcome.kind !== 'transient') return outcome.result;
      last = outcome.result;
      if (attempt <= retries) {
        // Exponential backoff; a Retry-After from the origin wins when longer (capped so one host cannot park a worker).
        // Never sooner than the host's crawl-delay: a retry is a request to the host like any other.
        const wait = Math.max(
          Math.min(30_000, Math.max(base * 2 ** (attempt - 1), outcome.retry_after_ms)),
          request.min_retry_gap_ms ?? 0,
        );
        await (this.#o.sleep ?? defaultSleep)(wait);
      }
    }
    return last as FetchResult;
  }

  /** The `skipped` result a URL gets without any request (SSRF guard, .onion, session token), or undefined. */
  async refusal(url: string): Promise<Extract<FetchResult, { kind: 'skipped' }> | undefined> {
    if (carriesSessionToken(url)) {
      return {
        kind: 'skipped',
        reason: 'session_token',
        url,
        detail: 'URL carries a session token',
        attempts: 0,
      };
    }
    try {
      const checked = await checkUrl(url, this.#o.policy, this.#o.resolve);
      if (checked.url.hostname.endsWith('.onion')) {
        return {
          kind: 'skipped',
          reason: 'refused',
          url,
          detail: '.onion hosts are never fetched',
          attempts: 0,
        };
      }
    } catch (e) {
      if (e instanceof SsrfRefusedError) {
        return { kind: 'skipped', reason: 'refused', url, detail: `${e.reason}: ${e.message}`, attempts: 0 };
      }
      throw e;
    }
    return undefined;
  }

  async #attempt(
    request: FetchRequest,
    attempt: number,
  ): Promise<
    | { kind: 'final'; result: FetchResult }
    | { kind: 'transient'; result: FetchResult; retry_after_ms: number }
  > {
    const now = this.#o.now ?? Date.now;
    const started = now();
    const controller = new AbortController();
    const timeout = this.#o.timeout_ms ?? 15_000;
    const timer = setTimeout(() => controller.abort(), timeout);
    const headers: Record<string, string> = {
      'user-agent': this.#o.user_agent,
      accept: (request.content_types ?? PAGE_CONTENT_TYPES).join(', '),
    };
    if (request.etag) headers['if-none-match'] = request.etag;
    if (request.last_modified) headers['if-modified-since'] = request.last_modified;
    try {
      const response = await this.#o.fetch(request.url, {
        method: 'GET',
        redirect: 'manual',
        headers,
        signal: controller.signal,
      });
      const answered: Answered = {
        status: response.status,
        url: request.url,
        headers: Object.fromEntries(response.headers),
        elapsed_ms: 0,
        attempts: attempt,
      };
      const result = await this.#interpret(response, answered, request, controller);
      const elapsed = now() - started;
      if ('elapsed_ms' in result) result.elapsed_ms = elapsed;
      if (result.kind === 'skipped' && result.reason === 'unavailable') {
        return {
          kind: 'transient',
          result,
          retry_after_ms: retryAfterMs(response.headers.get('retry-after'), 0),
        };
      }
      return { kind: 'final', result };
    } catch (e) {
      const detail = controller.signal.aborted
        ? `no answer within ${timeout} ms`
        : `network error: ${String(e)}`;
      return {
        kind: 'transient',
        result: { kind: 'skipped', reason: 'unavailable', url: request.url, detail, attempts: attempt },
        retry_after_ms: 0,
      };
    } finally {
      clearTimeout(timer);
    }
  }

  async #interpret(
    response: Response,
    answered: Answered,
    request: FetchRequest,
    controller: AbortController,
  ): Promise<FetchResult> {
    const { url } = request;
    const skip = (reason: SkipReason, detail: string): FetchResult => ({
      kind: 'skipped',
      reason,
      url,
      detail,
      status: response.status,
      attempts: answered.attempts,
    });
    if (response.status === 304) {
      await response.body?.cancel().catch(() => {});
      return { ...answered, kind: 'not_modified' };
    }
    if (REDIRECTS.has(response.status)) {
      await response.body?.cancel().catch(() => {});
      const location = response.headers.get('location');
      if (location === null) return skip('status', `${response.status} without Location`);
      return { ...answered, kind: 'redirect', location: new URL(location, url).href };
    }
    if (response.status < 200 || response.status > 299) {
      await response.body?.cancel().catch(() => {});
      return skip(TRANSIENT.has(response.status) ? 'unavailable' : 'status', `status ${response.status}`);
    }
    const mediaType = mediaTypeOf(response.headers.get('content-type'));
    if (!(request.content_types ?? PAGE_CONTENT_TYPES).includes(mediaType)) {
      await response.body?.cancel().catch(() => {});
      return skip('content_type', `${mediaType} is not crawled`);
    }
    const max = request.max_bytes ?? PAGE_MAX_BYTES;
    const declared = Number(response.headers.get('content-length') ?? Number.NaN);
    if (declared > max) {
      await response.body?.cancel().catch(() => {});
      controller.abort();
      return skip('too_large', `Content-Length ${declared} exceeds ${max} bytes`);
    }
    const body = await readCappedStream(response.body, max);
    if (body === 'too_large') {
      controller.abort();
      return skip('too_large', `body exceeded ${max} bytes while streaming`);
    }
    if (!request.binary && looksBinary(body)) return skip('binary', `binary content served as ${mediaType}`);
    const decoded = request.binary
      ? { charset: 'binary', text: '' }
      : decodeBody(body, response.headers.get('content-type'), mediaType);
    return {
      ...answered,
      kind: 'ok',
      media_type: mediaType,
      charset: decoded.charset,
      text: decoded.text,
      bytes: body.byteLength,
      body,
    };
  }
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
