/** An `HttpFetch` for the `http.fetch` effect: every URL and every redirect hop goes through the SSRF guard. */
import type { HttpFetch } from '../effects/effect-ports.ts';
import { fetchFollowingRedirects } from './redirect-follower.ts';
import { checkUrl } from './ssrf-guard.ts';
import type { HostResolver, SsrfPolicy } from './ssrf-policy.ts';

export interface GuardedHttpFetchOptions {
  fetch: HttpFetch;
  policy: SsrfPolicy;
  resolve?: HostResolver | undefined;
}

/**
 * Wraps a runtime fetch. A GET follows redirects by hand (each hop re-checked); other methods
 * never follow a redirect (a body cannot be safely replayed), and their 3xx answer is returned.
 */
export function guardedHttpFetch(o: GuardedHttpFetchOptions): HttpFetch {
  return async function guardedFetch(input, init) {
    const request = new Request(input, init);
    if (request.method === 'GET' && !request.body) {
      const { response } = await fetchFollowingRedirects(request.url, {
        policy: o.policy,
        fetch: o.fetch,
        resolve: o.resolve,
        signal: request.signal,
        headers: Object.fromEntries(request.headers),
      });
      return response;
    }
    const checked = await checkUrl(request.url, o.policy, o.resolve);
    return o.fetch(new Request(checked.url.href, request), { redirect: 'manual' });
  };
}
