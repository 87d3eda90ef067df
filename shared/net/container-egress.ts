/**
 * The container egress: asks the voice-host container to fetch attachment bytes (Discord's CDN
 * answers 403 to Workers). The URL is checked here first as well, and the answer is size-capped
 * again, so a faulty container cannot widen what the guard allows.
 */
import { AgentError } from '../agent/agent-errors.ts';
import type { HttpFetch } from '../effects/effect-ports.ts';
import type { AttachmentEgress, AttachmentFetchLimits, FetchedAttachment } from './attachment-egress.ts';
import { readAllowedBody } from './bounded-body.ts';
import {
  EGRESS_FETCH_PATH,
  EGRESS_HEADERS,
  EgressFetchFailure,
  type EgressFetchRequest,
} from './egress-contract.ts';
import {
  EgressConfigurationError,
  redactUrl,
  SsrfRefusedError,
  UpstreamRefusedError,
  UpstreamUnavailableError,
} from './egress-errors.ts';
import { checkUrlSyntax } from './ssrf-guard.ts';
import type { SsrfPolicy } from './ssrf-policy.ts';

export interface ContainerEgressOptions {
  /** The voice host's base URL, e.g. `https://voice-host.example.com`. */
  baseUrl: string;
  /** Shared with the container (`EGRESS_SHARED_SECRET` on both sides). */
  secret: string;
  fetch: HttpFetch;
  policy: SsrfPolicy;
}

async function failure(response: Response, url: string): Promise<never> {
  const text = await response.text().catch(() => '');
  let parsed: ReturnType<typeof EgressFetchFailure.safeParse>;
  try {
    parsed = EgressFetchFailure.safeParse(JSON.parse(text));
  } catch {
    parsed = EgressFetchFailure.safeParse(undefined);
  }
  if (!parsed.success) {
    if (response.status >= 500)
      throw new UpstreamUnavailableError(url, `egress answered ${response.status}`, 5_000);
    throw new EgressConfigurationError(`egress answered ${response.status} without a contract error body`);
  }
  const error = parsed.data.error;
  switch (error.kind) {
    case 'refused':
      throw new SsrfRefusedError(error.reason, url, `container egress: ${error.message}`);
    case 'upstream_status':
      if ([408, 425, 429].includes(error.status) || error.status >= 500) {
        throw new UpstreamUnavailableError(
          url,
          `origin answered ${error.status}`,
          error.retry_after_ms ?? 5_000,
        );
      }
      throw new UpstreamRefusedError(error.status, url);
    case 'upstream_unavailable':
      throw new UpstreamUnavailableError(url, error.message, 5_000);
    default:
      throw new EgressConfigurationError(
        `container egress refused the request (${error.kind}): ${error.message}`,
      );
  }
}

export class ContainerEgress implements AttachmentEgress {
  readonly kind = 'container';
  readonly #o: ContainerEgressOptions;
  readonly #endpoint: string;

  constructor(options: ContainerEgressOptions) {
    this.#o = options;
    this.#endpoint = new URL(EGRESS_FETCH_PATH, options.baseUrl).href;
  }

  async fetchAttachment(url: string, limits: AttachmentFetchLimits): Promise<FetchedAttachment> {
    checkUrlSyntax(url, this.#o.policy);
    const body: EgressFetchRequest = {
      url,
      max_bytes: limits.max_bytes,
      allowed_content_types: [...limits.allowed_content_types],
      timeout_ms: limits.timeout_ms,
      max_redirects: this.#o.policy.max_redirects,
    };
    const controller = new AbortController();
    // The container has its own timeout; this one only covers a container that hangs.
    const timer = setTimeout(() => controller.abort(), limits.timeout_ms + 5_000);
    let response: Response;
    try {
      response = await this.#o.fetch(this.#endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.#o.secret}` },
        body: JSON.stringify(body),
        signal: controller.signal,
      });
      if (response.status !== 200) return await failure(response, url);
      const accepted = await readAllowedBody(response, limits, url, () => controller.abort());
      return {
        ...accepted,
        final_url: redactUrl(response.headers.get(EGRESS_HEADERS.finalUrl) ?? url),
        redirects: Number(response.headers.get(EGRESS_HEADERS.redirects) ?? 0) || 0,
      };
    } catch (e) {
      if (e instanceof AgentError) throw e;
      throw new UpstreamUnavailableError(
        url,
        `container egress unreachable: ${String(e)}`,
        5_000,
        {},
        { cause: e },
      );
    } finally {
      clearTimeout(timer);
    }
  }
}
