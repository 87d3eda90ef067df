/**
 * The web crawler end to end through both Workers: a crawl job started by the admin route runs its
 * frontier over the real local queue, the CrawlJob and CrawlHost Durable Objects, the web-crawler agent,
 * the SSRF-guarded fetcher, the document store, the model double and Chroma, over the small fixture web
 * (test/web/mini-web.ts). The fixture's loopback origins are trusted through SSRF_TRUSTED_ORIGINS in this
 * stack's variables only (with PROMETHEAN_ENV=development), never in wrangler.toml. The long form, the
 * big fixture web, is `npm run bench:crawl -- --mode platform`.
 */
import { pageId } from '@promethean/shared/web/page-graph';
import { canonicalizeUrl } from '@promethean/shared/web/url-canonicalizer';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type PipelineStack, startPipelineStack } from '../bench/pipeline-stack.ts';
import { MINI_CRAWL_DELAY_S, type MiniHost, type MiniWeb, startMiniWeb } from '../web/mini-web.ts';

const TENANT = 'discord/duck';
let web: MiniWeb;
let stack: PipelineStack;

beforeAll(async () => {
  web = await startMiniWeb();
  const o = web.origins;
  stack = await startPipelineStack({
    documents: 'sqlite',
    functionsVars: { SSRF_TRUSTED_ORIGINS: [o.shop, o.docs, o.closed].join(',') },
  });
}, 240_000);

afterAll(async () => {
  await stack?.stop();
  await web?.stop();
});

interface JobStatus {
  state: string;
  open: number;
  counters: Record<string, number>;
}

interface PageAnswer {
  page: { url: string; summary?: string; tags: string[]; status: number };
  out_edges: Array<{ url: string; kind: string }>;
  in_edges: Array<{ url: string; kind: string }>;
}

async function json<T>(r: Response): Promise<T> {
  if (!r.ok) throw new Error(`${r.status} ${await r.text()}`);
  return (await r.json()) as T;
}

it('crawls the fixture web politely, once per URL, into pages and edges', async () => {
  const o = web.origins;
  const t0 = performance.now();
  const start = await stack.admin(`/admin/crawl/${TENANT}`, {
    method: 'POST',
    body: JSON.stringify({
      job_id: 'e2e-mini',
      seeds: [`${o.shop}/`],
      allow_domains: [o.shop, o.docs, o.closed].map((u) => new URL(u).host),
      max_pages: 50,
      qps: 50,
      use_sitemaps: false,
    }),
  });
  expect(start.status).toBe(202);

  let status: JobStatus;
  const deadline = Date.now() + 90_000;
  for (;;) {
    status = await json<JobStatus>(await stack.admin(`/admin/crawl/${TENANT}/e2e-mini`));
    // The passes are agents behind the queue (web.page.stored → web-summarizer → web.page.summarized →
    // web-tagger): they finish after the frontier, and each counts once per page on the job.
    const c = status.counters;
    const passed = ['summaries', 'tagged', 'vectors'].every((k) => (c[k] ?? 0) >= (c.pages ?? 0));
    if ((status.state === 'done' && passed) || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const crawlSeconds = (performance.now() - t0) / 1000;
  console.error(`[crawl-e2e] job done in ${crawlSeconds.toFixed(1)} s: ${JSON.stringify(status.counters)}`);
  expect(status.state).toBe('done');
  expect(status.open).toBe(0);

  // Pages: exactly the expected URLs, each stored under its canonical id, with the passes' output.
  expect(status.counters.pages).toBe(web.expectedPages().length);
  expect(status.counters.summaries).toBe(status.counters.pages);
  expect(status.counters.tagged).toBe(status.counters.pages);
  expect(status.counters.vectors).toBe(status.counters.pages);
  const pages = new Map<string, PageAnswer>();
  for (const url of web.expectedPages()) {
    const canonical = canonicalizeUrl(url);
    if (!canonical.ok) throw new Error(`fixture URL ${url} does not canonicalize`);
    const id = await pageId(canonical.url);
    const answer = await json<PageAnswer>(
      await stack.admin(`/admin/web/pages/${id}?tenant=${encodeURIComponent(TENANT)}`),
    );
    expect(answer.page.status).toBe(200);
    expect(answer.page.summary, url).toBeTruthy();
    expect(answer.page.tags.length, url).toBeGreaterThan(0);
    pages.set(url, answer);
  }

  // Edges: links within a host and across hosts, the redirect as an edge, duplicates collapsed.
  const home = pages.get(`${o.shop}/`);
  const outs = (home?.out_edges ?? []).map((e) => `${e.kind} ${e.url}`);
  expect(outs).toEqual(
    expect.arrayContaining([
      `link ${o.shop}/a`,
      `link ${o.shop}/b`,
      `link ${o.docs}/`,
      `link ${o.shop}/slow`,
    ]),
  );
  expect(outs.filter((e) => e === `link ${o.shop}/a`)).toHaveLength(1);
  const guide = pages.get(`${o.docs}/guide`);
  expect(guide?.in_edges.map((e) => e.url)).toContain(`${o.shop}/a`);
  const moved = pages.get(`${o.shop}/c`);
  expect(moved?.in_edges.some((e) => e.kind === 'redirect' && e.url === `${o.shop}/old`)).toBe(true);

  // Robots: nothing disallowed requested; the 503 host got its robots.txt request only.
  const seen = web.requests;
  expect(seen.filter((r) => web.forbidden(r.host, r.path))).toEqual([]);
  expect(seen.filter((r) => r.host === 'closed').map((r) => r.path)).toEqual(['/robots.txt']);
  expect(seen.every((r) => r.method === 'GET')).toBe(true);

  // No duplicates: each URL fetched once (the erroring page is retried by the fetcher, and only it).
  const counts = new Map<string, number>();
  for (const r of seen) counts.set(`${r.host}${r.path}`, (counts.get(`${r.host}${r.path}`) ?? 0) + 1);
  for (const [key, n] of counts) if (key !== 'shop/error') expect(n, key).toBe(1);
  expect(counts.get('shop/error')).toBeGreaterThanOrEqual(1);

  // Politeness per host, as the host saw it: one request at a time, and starts the crawl-delay apart.
  // The CrawlHost object spaces its grants; each request reaches the host a variable time after its
  // grant (up to ~110 ms seen on a busy machine), so one pair may look closer by that much. Over a run
  // those latencies cancel out (the gaps add up to last start − first start), so the span is checked
  // with a single allowance: n requests span at least (n − 1) crawl-delays, less LATENCY_MS.
  const LATENCY_MS = 150;
  const gaps: number[] = [];
  for (const host of ['shop', 'docs'] as MiniHost[]) {
    const mine = seen.filter((r) => r.host === host).sort((a, b) => a.started - b.started);
    for (let i = 1; i < mine.length; i++) {
      const prev = mine[i - 1];
      const cur = mine[i];
      if (!prev || !cur) continue;
      expect(cur.started, `${host} ${prev.path} -> ${cur.path} overlap`).toBeGreaterThanOrEqual(
        prev.finished ?? Number.POSITIVE_INFINITY,
      );
      gaps.push(cur.started - prev.started);
    }
    const span = (mine.at(-1)?.started ?? 0) - (mine[0]?.started ?? 0);
    expect(span, `${host}: ${mine.length} requests`).toBeGreaterThanOrEqual(
      (mine.length - 1) * MINI_CRAWL_DELAY_S * 1000 - LATENCY_MS,
    );
  }
  gaps.sort((a, b) => a - b);
  console.error(
    `[crawl-e2e] per-host start gaps (ms): min ${gaps[0]?.toFixed(0)}, median ${gaps[Math.floor(gaps.length / 2)]?.toFixed(0)}, crawl-delay ${MINI_CRAWL_DELAY_S * 1000}`,
  );
}, 120_000);

it('shows the job, its figures and its hosts on the status page', async () => {
  const panels = await stack.admin('/status/panels');
  expect(panels.status).toBe(200);
  const page = await panels.text();
  const start = page.indexOf('data-job="e2e-mini"');
  expect(start).toBeGreaterThan(0);
  const job = page.slice(start, page.indexOf('</div>', start));
  expect(job).toContain('>DONE</span>');
  expect(job).toContain(`data-figure="pages">${web.expectedPages().length}<`);
  expect(job).toContain('data-figure="open">0<');
  expect(job).toContain('data-figure="failed">1<'); // the page answering 500
  expect(job).toContain(`data-host="${web.origins.shop}"`);
  const closed = job.slice(job.indexOf(`data-host="${web.origins.closed}"`));
  expect(closed).toMatch(/unreachable \(503\): all disallowed until/);
});
