/** Builds a crawl of the fixture web for tests and the bench: trusted fixture origins, stores and model port chosen by the caller. */

import { CrawlMetrics } from '@promethean/functions/agents/web-crawler/crawl-metrics';
import type { CrawlDeps } from '@promethean/functions/agents/web-crawler/crawl-step';
import { HostPolicyCore, MemoryHostRecords } from '@promethean/functions/agents/web-crawler/host-policy';
import type { DocumentStore } from '@promethean/shared/effects/document-store';
import type { ModelPort, VectorStore } from '@promethean/shared/effects/effect-ports';
import { ssrfPolicy } from '@promethean/shared/net/ssrf-policy';
import { CrawlJobConfig, type CrawlJobInput } from '@promethean/shared/web/crawl-config';
import { PageFetcher } from '@promethean/shared/web/page-fetcher';
import { crawlableOrigins, type FixtureWeb } from './fixture-web.ts';

export interface HarnessStores {
  documents: DocumentStore;
  vectors: VectorStore;
  models: ModelPort;
}

/** A job over the fixture: seeds on the news, wiki and blog hosts, every fixture host allowed. */
export function fixtureJob(web: FixtureWeb, overrides: Partial<CrawlJobInput> = {}): CrawlJobConfig {
  const o = web.origins;
  return CrawlJobConfig.parse({
    job_id: 'fixture',
    provider: 'web',
    tenant: 'fixture',
    seeds: [`${o.news}/`, `${o.wiki}/`, `${o.blog}/`],
    allow_domains: crawlableOrigins(o).map((u) => new URL(u).host),
    max_pages: 400,
    max_depth: 8,
    qps: 40,
    max_age_s: 3600,
    ...overrides,
  });
}

export function crawlDeps(
  web: FixtureWeb,
  config: CrawlJobConfig,
  stores: HarnessStores,
  now: () => number = Date.now,
): Omit<CrawlDeps, 'ledger'> {
  // The fixture hosts are trusted loopback origins (development-only); the private host is not.
  const policy = ssrfPolicy({ trusted_origins: crawlableOrigins(web.origins) });
  const fetcher = new PageFetcher({
    fetch,
    policy,
    user_agent: config.user_agent,
    timeout_ms: 10_000,
    retries: 1,
    backoff_base_ms: 50,
  });
  const hosts = new HostPolicyCore(
    new MemoryHostRecords(),
    fetcher,
    { user_agent: config.user_agent, host_qps: config.host_qps, lease_ms: 30_000 },
    now,
  );
  return { config, fetcher, hosts, metrics: new CrawlMetrics(), now, ...stores };
}
