/** The crawler against the fixture web: every trap, robots, politeness, dedupe, revalidation and resume. */

import { loadCheckpoint, runLocalCrawl } from '@promethean/functions/agents/web-crawler/local-crawl';
import { OfflineModelPort } from '@promethean/functions/models/offline-model-port';
import { MemoryDocumentStore } from '@promethean/shared/effects/memory-document-store';
import { MemoryVectorStore } from '@promethean/shared/effects/memory-vector-store';
import { crawlOf, pageId } from '@promethean/shared/web/page-graph';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crawlDeps, fixtureJob } from './crawl-harness.ts';
import { type FixtureWeb, ORPHAN_PAGES, startFixtureWeb } from './fixture-web.ts';
import { BLOG_POSTS, NEWS_ARTICLES, WIKI_ARTICLES } from './fixture-web-content.ts';

let web: FixtureWeb;
const documents = new MemoryDocumentStore();
const vectors = new MemoryVectorStore('web', 'fixture');
let result: Awaited<ReturnType<typeof runLocalCrawl>>;

beforeAll(async () => {
  web = await startFixtureWeb();
  const config = fixtureJob(web);
  result = await runLocalCrawl(
    crawlDeps(web, config, { documents, vectors, models: new OfflineModelPort() }),
    { concurrency: 6, checkpoint_every: 50 },
  );
}, 120_000);

afterAll(async () => {
  await web.stop();
});

const paths = (host: string) => web.requests.filter((r) => r.host === host).map((r) => r.path);

describe('crawling the fixture web', () => {
  it('finds the pages and links, including sitemap-only pages', async () => {
    const pages = await documents.count('pages');
    expect(pages).toBeGreaterThanOrEqual(NEWS_ARTICLES + WIKI_ARTICLES + BLOG_POSTS + ORPHAN_PAGES);
    expect(await documents.count('edges')).toBeGreaterThanOrEqual(500);
    expect(paths('wiki')).toContain('/orphan/1');
    expect(paths('wiki')).toContain('/sitemap-extra.xml.gz');
  });

  it('never breaks robots.txt, never leaves for a private address, never posts', () => {
    expect(web.requests.filter((r) => r.violation)).toEqual([]);
    expect(result.ledger.counters.robots_blocked).toBeGreaterThan(0);
  });

  it('asks the 503 host for robots.txt only', () => {
    expect(paths('down').every((p) => p === '/robots.txt')).toBe(true);
    expect(paths('down').length).toBeGreaterThanOrEqual(1);
  });

  it('stops the infinite calendar at its template budget', () => {
    expect(paths('wiki').filter((p) => p.startsWith('/calendar/')).length).toBeLessThanOrEqual(12);
    expect(result.ledger.counters.trap_calendar).toBeGreaterThan(0);
  });

  it('collapses session-id URLs and never requests one', () => {
    const session = paths('wiki').filter((p) => p.startsWith('/session/'));
    expect(session.every((p) => !p.includes('sid='))).toBe(true);
    expect(new Set(session).size).toBe(session.length);
  });

  it('ends the redirect loop after one visit to each end', () => {
    expect(
      paths('wiki')
        .filter((p) => p.startsWith('/loop/'))
        .sort(),
    ).toEqual(['/loop/a', '/loop/b']);
  });

  it('hangs up on the 50 MB page early and skips binaries behind .html', () => {
    expect(web.hugeBytesSent()).toBeLessThan(20 * 1024 * 1024);
    expect(result.ledger.counters.skipped_too_large).toBe(1);
    expect(result.ledger.counters.skipped_binary).toBe(1);
    expect(result.ledger.counters.skipped_content_type).toBe(1);
  });

  it('does not submit the login form and honours noindex and nofollow', async () => {
    expect(web.requests.some((r) => r.method !== 'GET')).toBe(false);
    expect(paths('wiki')).toContain('/from-noindex');
    expect(paths('wiki')).not.toContain('/only-from-nofollow');
    expect(await documents.get('pages', await pageId(`${web.origins.wiki}/noindex`))).toBeUndefined();
  });

  it('keeps one node for near-duplicate pages', async () => {
    expect(result.ledger.counters.duplicates).toBeGreaterThanOrEqual(BLOG_POSTS - 1);
    const print = await documents.get('pages', await pageId(`${web.origins.blog}/post/3/print`));
    const post = await documents.get('pages', await pageId(`${web.origins.blog}/post/3`));
    expect([print, post].filter(Boolean)).toHaveLength(1);
  });

  it('summarizes, tags and indexes every stored page under one id', async () => {
    const pages = await documents.count('pages');
    expect(await vectors.count('web_summaries')).toBe(pages);
    const doc = await documents.get('pages', await pageId(`${web.origins.news}/article/5`));
    expect(crawlOf(doc)?.title).toBe('News article 5');
    const tags = (doc?.slots.tags?.value as { tags: string[] } | undefined)?.tags ?? [];
    expect(tags.length).toBeGreaterThanOrEqual(3);
    expect(tags.every((t) => /^#[a-z0-9]+(-[a-z0-9]+)*$/.test(t))).toBe(true);
  });

  it('wrote a final checkpoint marking the job done', async () => {
    const cp = await loadCheckpoint({ documents, config: fixtureJob(web) });
    expect(cp?.ledger.state).toBe('done');
    expect(cp?.frontier).toEqual([]);
  });
});
