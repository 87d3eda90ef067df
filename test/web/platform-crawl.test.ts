/**
 * The crawl on the platform's terms, in one process: the queue frontier, the job's outbox and sweep,
 * the host gate and the job QPS bucket behind the crawl port. A faulty queue (duplicates, killed
 * workers, lost sends, evicted job state) must end with exactly the pages of a clean run.
 */

import {
  HOST_OFFER_MS,
  HOST_QUEUE_HORIZON_MS,
  HOST_TURN_HORIZON_MS,
} from '@promethean/functions/agents/web-crawler/host-policy';
import { MemoryCrawl } from '@promethean/functions/agents/web-crawler/memory-crawl';
import { OfflineModelPort } from '@promethean/functions/models/offline-model-port';
import {
  type PassPageRef,
  summarizeStoredPage,
} from '@promethean/functions/web-summarizer/page-summary-step';
import { tagAndIndexPage } from '@promethean/functions/web-tagger/page-tag-step';
import { MemoryDocumentStore } from '@promethean/shared/effects/memory-document-store';
import { MemoryVectorStore } from '@promethean/shared/effects/memory-vector-store';
import { dataContracts } from '@promethean/shared/migrations/contracts/contract-catalog';
import type { DocumentCollectionContract } from '@promethean/shared/migrations/contracts/data-contract';
import { documentDiffs } from '@promethean/shared/migrations/contracts/document-invariants';
import { ssrfPolicy } from '@promethean/shared/net/ssrf-policy';
import type { CrawlJobConfig } from '@promethean/shared/web/crawl-config';
import { PageFetcher } from '@promethean/shared/web/page-fetcher';
import { crawlOf } from '@promethean/shared/web/page-graph';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureJob } from './crawl-harness.ts';
import { crawlableOrigins, type FixtureWeb, startFixtureWeb } from './fixture-web.ts';
import { type QueueFaults, QueueFrontier } from './queue-frontier.ts';

let web: FixtureWeb;
beforeAll(async () => {
  web = await startFixtureWeb();
});
afterAll(async () => {
  await web.stop();
});

async function platformCrawl(config: CrawlJobConfig, faults: QueueFaults) {
  const contract = (name: string) => dataContracts().get(name) as DocumentCollectionContract;
  const fetcher = new PageFetcher({
    fetch,
    policy: ssrfPolicy({ trusted_origins: crawlableOrigins(web.origins) }),
    user_agent: config.user_agent,
    timeout_ms: 10_000,
    retries: 1,
    backoff_base_ms: 50,
  });
  const queue = new QueueFrontier(faults);
  const crawl = new MemoryCrawl(
    fetcher,
    // The host's waiter queue (the Worker's settings with CRAWL_HOST_QUEUE=on): waiters sleep until their turn.
    {
      user_agent: config.user_agent,
      host_qps: config.host_qps,
      lease_ms: 30_000,
      queue_horizon_ms: HOST_QUEUE_HORIZON_MS,
      offer_ms: HOST_OFFER_MS,
    },
    Date.now,
    queue.send,
    // The host sends each request in its turn (the Worker with CRAWL_HOST_TURNS=on).
    { horizon_ms: HOST_TURN_HORIZON_MS, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) },
  );
  const documents = new MemoryDocumentStore();
  const passPorts = {
    documents,
    vectors: new MemoryVectorStore('web', 'fixture'),
    models: new OfflineModelPort(),
  };
  const scope = { provider: config.provider, tenant: config.tenant };
  const ports = {
    ...passPorts,
    // What the web-summarizer and web-tagger agents do with the crawler's page.stored, in line here.
    stored: async (ref: PassPageRef) => {
      if ((await summarizeStoredPage(passPorts, scope, ref)).kind !== 'summarized' || !ref.job_id) return;
      await crawl.passed(ref.job_id, ['summaries'], ref.page_id);
      if ((await tagAndIndexPage(passPorts, scope, ref)).kind !== 'indexed') return;
      await crawl.passed(ref.job_id, ['tagged', 'vectors'], ref.page_id);
    },
  };
  crawl.start(config);
  const run = await queue.run(crawl, ports, config.job_id, 4, {
    max_wait_ms: HOST_QUEUE_HORIZON_MS,
    max_waits: 4,
  });
  const docs = await documents.find('pages', {}, { limit: 10_000 });
  const pages = docs.map((d) => d.foreign_id).sort();
  // Which calendar months pass the trap budget (and which near-identical ones are kept) depends on
  // the order of work; every other page must be the same whatever the order.
  const ordered = docs
    .map((d) => crawlOf(d)?.url ?? '')
    .filter((u) => !u.includes('/calendar/'))
    .sort();
  const calendar = pages.length - ordered.length;
  // Every stored page and edge keeps its data contract (docs/agents/web-crawler.md, schemas/contracts).
  const diffs = [
    ...documentDiffs('sqlite', contract('documents.pages.contract.json'), 'pages', docs),
    ...documentDiffs(
      'sqlite',
      contract('documents.edges.contract.json'),
      'edges',
      await documents.find('edges', {}, { limit: 10_000 }),
    ),
  ];
  return {
    run,
    sent: queue.sent,
    pages,
    ordered,
    calendar,
    diffs,
    status: crawl.job(config.job_id).status(),
  };
}

// News and wiki: no near-duplicate pairs, so which copy wins a race cannot change the page set.
const job = (job_id: string, passes = false) =>
  fixtureJob(web, {
    job_id,
    seeds: [`${web.origins.news}/`, `${web.origins.wiki}/`],
    allow_domains: [new URL(web.origins.news).host, new URL(web.origins.wiki).host],
    use_sitemaps: false,
    passes,
    // Deep enough that no page's admission depends on the depth it was first found at (an order effect).
    max_depth: 100,
  });

describe('the crawl frontier on a queue', () => {
  it('loses and duplicates no page when deliveries repeat, workers die, sends are lost and the job reloads', async () => {
    const clean = await platformCrawl(job('clean', true), {});
    expect(clean.status?.state).toBe('done');
    expect(clean.pages.length).toBeGreaterThan(60);
    expect(clean.status?.counters.pages).toBe(clean.pages.length);
    expect(clean.diffs).toEqual([]);
    expect(clean.status?.counters.summaries).toBe(clean.pages.length);
    expect(clean.status?.counters.tagged).toBe(clean.pages.length);
    expect(clean.status?.counters.vectors).toBe(clean.pages.length);
    // Every news article links to a draft under robots' `Disallow: /private/`. Once the robots item has
    // reported news's rules, the job finishes such links itself: counted, never sent to take a lane.
    const blocked = clean.status?.counters.robots_blocked ?? 0;
    const draftsSent = clean.sent.filter((u) => u.includes('/private/')).length;
    expect(blocked).toBeGreaterThan(30);
    expect(draftsSent).toBeLessThan(blocked / 2);

    const before = web.requests.length;
    const faulty = await platformCrawl(job('faulty'), {
      duplicate_every: 7,
      crash_every: 5,
      lose_every: 11,
      evict_every: 13,
    });
    expect(faulty.run.crashes).toBeGreaterThan(5);
    expect(faulty.run.lost).toBeGreaterThan(3);
    expect(faulty.run.duplicates).toBeGreaterThan(5);
    expect(faulty.run.evictions).toBeGreaterThan(3);
    expect(faulty.run.resent).toBeGreaterThan(0);
    expect(faulty.status?.state).toBe('done');
    expect(faulty.status?.open).toBe(0);
    // The clean run's pages: none lost; ids come from the canonical URL, so none is stored twice.
    expect(faulty.ordered).toEqual(clean.ordered);
    expect(faulty.calendar).toBeGreaterThan(0);
    expect(faulty.calendar).toBeLessThanOrEqual(12);
    // A crashed item's report never arrived; its redo reports the page once.
    expect(faulty.status?.counters.pages).toBe(faulty.pages.length);
    expect(web.requests.slice(before).filter((r) => r.violation)).toEqual([]);
  }, 120_000);

  it('parks a paused job and sends its open items again on resume; a cancelled job drops its messages', async () => {
    const config = job('paused');
    const fetcher = new PageFetcher({
      fetch,
      policy: ssrfPolicy({ trusted_origins: crawlableOrigins(web.origins) }),
      user_agent: config.user_agent,
    });
    const sent: string[] = [];
    const crawl = new MemoryCrawl(
      fetcher,
      { user_agent: config.user_agent, host_qps: 1, lease_ms: 30_000 },
      Date.now,
      (_j, items) => sent.push(...items.map((i) => i.key)),
    );
    crawl.start(config);
    const opened = sent.length;
    expect(opened).toBe(4); // two seeds, each after its robots item
    const core = crawl.job('paused');
    core.pause();
    expect(await crawl.claim('paused', sent[0] as string)).toEqual({ kind: 'parked' });
    expect(core.resume().map((o) => o.key)).toEqual(sent.slice(0, opened));
    expect((await crawl.claim('paused', sent[0] as string)).kind).toBe('go');
    core.cancel();
    expect(await crawl.claim('paused', sent[1] as string)).toEqual({ kind: 'skip', reason: 'cancelled' });
    expect(core.resume()).toEqual([]);
    expect(core.status()?.state).toBe('cancelled');
  });
});
