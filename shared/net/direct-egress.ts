/** The direct egress: fetches attachment bytes from the runtime itself, behind the SSRF guard (tests, local dev). */
import type { HttpFetch } from '../effects/effect-ports.ts';
import type { AttachmentEgress, AttachmentFetchLimits, FetchedAttachment } from './attachment-egress.ts';
import { readAllowedBody } from './bounded-body.ts';
import {
  redactUrl,
  retryAfterMs,
  SsrfRefusedError,
  UpstreamRefusedError,
  UpstreamUnavailableError,
} from './egress-errors.ts';
import { fetchFollowingRedirects } from './redirect-follower.ts';
import type { HostResolver, SsrfPolicy } from './ssrf-policy.ts';

export interface DirectEgressOptions {
  /** The runtime's fetch (a Worker's global fetch, Node's, or a test double). */
  fetch: HttpFetch;
  policy: SsrfPolicy;
  /** DNS, where the runtime has it (Node); every resolved address is checked. */
  resolve?: HostResolver | undefined;
}

/** Statuses worth retrying later; every other non-2xx status is final. */
const TRANSIENT = new Set([408, 425, 429, 500, 502, 503, 504]);

/** Throws the right error for a non-2xx answer. */
async function failForStatus(response: Response, url: string): Promise<never> {
  await response.body?.cancel().catch(() => {});
  if (TRANSIENT.has(response.status)) {
    const wait = retryAfterMs(response.headers.get('retry-after'), 5_000);
    throw new UpstreamUnavailableError(
      url,
      `status ${response.status}`,
      wait,
      {},
      { status: response.status },
    );
  }
  throw new UpstreamRefusedError(response.status, url);
}

export class DirectEgress implements AttachmentEgress {
  readonly kind = 'direct';
  readonly #o: DirectEgressOptions;

  constructor(options: DirectEgressOptions) {
    this.#o = options;
  }

  async fetchAttachment(url: string, limits: AttachmentFetchLimits): Promise<FetchedAttachment> {
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, limits.timeout_ms);
    try {
      const followed = await fetchFollowingRedirects(url, {
        policy: this.#o.policy,
        fetch: this.#o.fetch,
        resolve: this.#o.resolve,
        signal: controller.signal,
      });
      const { response } = followed;
      if (response.status < 200 || response.status > 299) return await failForStatus(response, url);
      const accepted = await readAllowedBody(response, limits, url, () => controller.abort());
      return {
        ...accepted,
        final_url: redactUrl(followed.url),
        redirects: followed.redirects,
      };
    } catch (e) {
      if (
        e instanceof SsrfRefusedError ||
        e instanceof UpstreamRefusedError ||
        e instanceof UpstreamUnavailableError
      ) {
        throw e;
      }
      const detail = timedOut
        ? `no complete answer within ${limits.timeout_ms} ms`
        : `network error: ${String(e)}`;
      throw new UpstreamUnavailableError(url, detail, 5_000, {}, { cause: e });
    } finally {
      clearTimeout(timer);
    }
  }
}
