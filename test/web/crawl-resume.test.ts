/** Re-crawling (fresh pages skipped, changed-or-not decided by validators) and resuming a killed crawl from its checkpoint. */

import { loadCheckpoint, runLocalCrawl } from '@promethean/functions/agents/web-crawler/local-crawl';
import { OfflineModelPort } from '@promethean/functions/models/offline-model-port';
import { MemoryDocumentStore } from '@promethean/shared/effects/memory-document-store';
import { MemoryVectorStore } from '@promethean/shared/effects/memory-vector-store';
import { crawlOf, pageId } from '@promethean/shared/web/page-graph';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crawlDeps, fixtureJob } from './crawl-harness.ts';
import { type FixtureWeb, startFixtureWeb } from './fixture-web.ts';

let web: FixtureWeb;
beforeAll(async () => {
  web = await startFixtureWeb();
});
afterAll(async () => {
  await web.stop();
});

const stores = () => ({
  documents: new MemoryDocumentStore(),
  vectors: new MemoryVectorStore('web', 'fixture'),
  models: new OfflineModelPort(),
});

/** A small job on one host, no sitemaps, no page budget: the same pages whatever the order of work. */
const smallJob = (host: 'news' | 'blog', overrides = {}) =>
  fixtureJob(web, {
    seeds: [`${web.origins[host]}/`],
    allow_domains: [new URL(web.origins[host]).host],
    use_sitemaps: false,
    ...overrides,
  });

describe('re-crawl', () => {
  it('skips pages younger than max-age, and revalidates older ones with their validators', async () => {
    const s = stores();
    const first = await runLocalCrawl(crawlDeps(web, smallJob('news'), s), { concurrency: 4 });
    // A page the first crawl could not fetch (timeouts on a loaded machine) is rightly fetched by the second:
    // say so here rather than as an unexplained `fetched` count below.
    expect(first.ledger.counters.unavailable, 'pages the first crawl could not fetch').toBe(0);
    const pages = await s.documents.count('pages');
    expect(pages).toBeGreaterThan(20);
    const articleId = await pageId(`${web.origins.news}/article/3`);
    const firstCrawl = crawlOf(await s.documents.get('pages', articleId));
    expect(firstCrawl?.etag).toBe('"news-3-v1"');

    const before = web.requests.length;
    const fresh = await runLocalCrawl(crawlDeps(web, smallJob('news', { job_id: 'again' }), s), {
      concurrency: 4,
    });
    expect(fresh.ledger.counters.fresh).toBe(pages);
    expect(fresh.ledger.counters.fetched).toBe(0);
    // Only robots.txt, and the one link that answered 404 (no page, so nothing fresh to skip).
    expect(web.requests.slice(before).map((r) => r.path)).toEqual(['/robots.txt', '/article/71']);

    // One hour later (max-age 3600 s): every page is asked again, conditionally, and nothing changed.
    const later = () => Date.now() + 3_601_000;
    const revalidated = await runLocalCrawl(crawlDeps(web, smallJob('news', { job_id: 'later' }), s, later), {
      concurrency: 4,
    });
    expect(revalidated.ledger.counters.not_modified).toBe(pages - 1); // the front page has no validator
    expect(revalidated.ledger.counters.pages).toBe(1);
    const recrawled = crawlOf(await s.documents.get('pages', articleId));
    expect(Date.parse(recrawled?.fetched_at ?? '')).toBeGreaterThan(Date.parse(firstCrawl?.fetched_at ?? ''));
    expect(await s.documents.count('pages')).toBe(pages);
  }, 60_000);
});

describe('resume after a killed worker', () => {
  it('continues from the last checkpoint and ends with the same graph as an uninterrupted crawl', async () => {
    const reference = stores();
    await runLocalCrawl(crawlDeps(web, smallJob('blog'), reference), { concurrency: 3 });

    const s = stores();
    const config = smallJob('blog', { job_id: 'killed' });
    const killed = await runLocalCrawl(crawlDeps(web, config, s), {
      concurrency: 3,
      checkpoint_every: 5,
      kill_after: 17,
    });
    expect(killed.killed).toBe(true);
    const checkpoint = await loadCheckpoint({ documents: s.documents, config });
    expect(checkpoint?.ledger.state).toBe('running');
    expect(checkpoint?.frontier.length).toBeGreaterThan(0);

    const resumed = await runLocalCrawl(crawlDeps(web, config, s), { concurrency: 3 }, checkpoint);
    expect(resumed.killed).toBe(false);
    // Titles, not URLs: which of a post and its print copy is kept depends on which was fetched first.
    const ids = async (store: MemoryDocumentStore) =>
      (await store.find('pages', {}, { limit: 5000 })).map((d) => crawlOf(d)?.title).sort();
    expect(await ids(s.documents)).toEqual(await ids(reference.documents));
    expect(await s.vectors.count('web_summaries')).toBe(await s.documents.count('pages'));
    expect(await s.documents.count('edges')).toBe(await reference.documents.count('edges'));
  }, 60_000);
});

describe('private addresses', () => {
  it('refuses private, metadata, local and onion links even when the allow-list lets them through', async () => {
    const s = stores();
    const before = web.requests.length;
    const config = smallJob('news', {
      job_id: 'wide-open',
      max_depth: 1,
      // An over-wide allow-list (every port on loopback, the metadata and private addresses): the SSRF guard must still refuse.
      allow_domains: ['127.0.0.1', 'localhost', '10.0.0.7', '169.254.169.254', 'duckduckgoog4bfkd.onion'],
    });
    const run = await runLocalCrawl(crawlDeps(web, config, s), { concurrency: 2 });
    expect(run.ledger.counters.refused).toBe(5);
    expect(web.requests.slice(before).filter((r) => r.host !== 'news')).toEqual([]);
  }, 60_000);
});
