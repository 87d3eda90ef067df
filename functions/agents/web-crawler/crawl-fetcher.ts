/** The crawler's fetcher on this Worker: the page fetcher under the env's SSRF policy (trusted loopback origins only in development). */
import { PageFetcher } from '@promethean/shared/web/page-fetcher';
import { egressPolicy } from '../../src/tenant-effect-ports.ts';

export function workerPageFetcher(env: FunctionsEnv, user_agent: string): PageFetcher {
  return new PageFetcher({
    fetch: (input, init) => fetch(input, init),
    policy: egressPolicy(env),
    user_agent,
    timeout_ms: 15_000,
    retries: 2,
  });
}
