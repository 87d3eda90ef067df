/** Follows redirects by hand, re-checking every hop with the SSRF guard before connecting to it. */
import type { HttpFetch } from '../effects/effect-ports.ts';
import { SsrfRefusedError } from './egress-errors.ts';
import { checkUrl } from './ssrf-guard.ts';
import type { HostResolver, SsrfPolicy } from './ssrf-policy.ts';

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export interface FollowOptions {
  policy: SsrfPolicy;
  fetch: HttpFetch;
  resolve?: HostResolver | undefined;
  signal?: AbortSignal | undefined;
  headers?: Record<string, string> | undefined;
}

export interface FollowedResponse {
  response: Response;
  /** The URL that answered (after redirects). */
  url: URL;
  redirects: number;
}

/**
 * GETs `url`, following at most `policy.max_redirects` redirects. The runtime's own redirect
 * handling is off (`redirect: 'manual'`), so no hop is ever fetched before the guard has seen it.
 */
export async function fetchFollowingRedirects(url: string, o: FollowOptions): Promise<FollowedResponse> {
  let current = url;
  for (let redirects = 0; ; redirects++) {
    const checked = await checkUrl(current, o.policy, o.resolve);
    const response = await o.fetch(checked.url.href, {
      method: 'GET',
      redirect: 'manual',
      ...(o.signal && { signal: o.signal }),
      ...(o.headers && { headers: o.headers }),
    });
    const location = response.headers.get('location');
    if (!REDIRECTS.has(response.status) || location === null) {
      return { response, url: checked.url, redirects };
    }
    await response.body?.cancel().catch(() => {});
    if (redirects >= o.policy.max_redirects) {
      throw new SsrfRefusedError('too_many_redirects', url, `more than ${o.policy.max_redirects} redirects`);
    }
    current = new URL(location, checked.url).href;
  }
}
