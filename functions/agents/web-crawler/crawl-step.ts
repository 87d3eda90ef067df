/**
 * One frontier item, start to end: robots and politeness, revalidation or a fresh fetch, extraction,
 * near-duplicate check, the graph write (page, then its edges), the discovered links admitted, and the
 * summary and tag passes with the dual sink (document first, then Chroma, the same id in both).
 */
import { type DocumentStore, findEach, type StoredDocument } from '@promethean/shared/effects/document-store';
import type { EmbeddingSpec, ModelPort, VectorStore } from '@promethean/shared/effects/effect-ports';
import { sha256Hex } from '@promethean/shared/platform/sha256-hex';
import {
  hammingDistance,
  leadFingerprint,
  NEAR_DUPLICATE_BITS,
  NEAR_DUPLICATE_SAME_LEAD_BITS,
  normalizeForHash,
  simhash64,
  simhashBands,
} from '@promethean/shared/web/content-hash';
import type { CrawlJobConfig, FrontierItem } from '@promethean/shared/web/crawl-config';
import type { Counter, CrawlLedger } from '@promethean/shared/web/crawl-ledger';
import type { HostRobotsRules, ResponseEnd, Turn } from '@promethean/shared/web/crawl-port';
import { type ExtractedPage, extractHtml } from '@promethean/shared/web/html-extraction';
import type { FetchRequest, FetchResult, PageFetcher } from '@promethean/shared/web/page-fetcher';
import {
  type CrawlRecord,
  crawlOf,
  type EdgeValue,
  edgeDocument,
  pageDocument,
  pageId,
  revalidatedDocument,
} from '@promethean/shared/web/page-graph';
import { parseSitemapBytes } from '@promethean/shared/web/sitemap-parser';
import { canonicalizeUrl } from '@promethean/shared/web/url-canonicalizer';
import type { CrawlMetrics } from './crawl-metrics.ts';
import type { HostPolicyPort, JobGate } from './host-policy.ts';
import { indexPagePasses } from './page-passes.ts';

export interface CrawlDeps {
  config: CrawlJobConfig;
  ledger: CrawlLedger;
  fetcher: Pick<PageFetcher, 'fetch' | 'refusal'>;
  hosts: HostPolicyPort;
  documents: DocumentStore;
  vectors: VectorStore;
  models: ModelPort;
  /** The embedding model and dimension `web_summaries` is pinned to; a different answer is refused. */
  embed_spec?: EmbeddingSpec | undefined;
  metrics: CrawlMetrics;
  now: () => number;
  /**
   * Where a stored page's LLM passes go. Absent: they run inline. The local driver hands them to a
   * pool of their own (on the platform they are separate agents behind the queue), so fetching never
   * waits for a model; anything a crash loses there, `reconcilePasses` finds.
   */
  schedule_passes?: ((page: { id: string; record: CrawlRecord }) => void) | undefined;
  /** The job-wide QPS bucket, asked only when a host would grant a request. */
  job_gate?: JobGate | undefined;
  /** Sleeps until a start the host granted ahead of time (a host with a waiter queue); a timer by default. */
  sleep?: ((ms: number) => Promise<void>) | undefined;
}

const timerSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export type StepResult =
  | { kind: 'done'; admitted: FrontierItem[]; robots?: HostRobotsRules | undefined }
  | { kind: 'wait'; wait_ms: number };

const SITEMAP_TYPES: readonly string[] = [
  'application/xml',
  'text/xml',
  'application/gzip',
  'application/x-gzip',
  'text/plain',
  'application/octet-stream',
];

/** Admits a URL and, for an origin new to the job, its robots item first. */
export function admitUrl(
  deps: Pick<CrawlDeps, 'ledger'>,
  raw: string,
  base: string | undefined,
  item: Omit<FrontierItem, 'url'>,
): FrontierItem[] {
  const admission = deps.ledger.admit(raw, base, item);
  if (!admission.admitted) return [];
  const origin = new URL(admission.item.url).origin;
  const out: FrontierItem[] = [];
  if (deps.ledger.firstVisit(origin)) {
    const robots = deps.ledger.admit(`${origin}/robots.txt`, undefined, {
      kind: 'robots',
      depth: 0,
      via: 'seed',
      hops: 0,
    });
    if (robots.admitted) out.push(robots.item);
  }
  out.push(admission.item);
  return out;
}

const SKIP_COUNTERS: Record<Extract<FetchResult, { kind: 'skipped' }>['reason'], Counter> = {
  refused: 'refused',
  session_token: 'session_token',
  content_type: 'skipped_content_type',
  binary: 'skipped_binary',
  too_large: 'skipped_too_large',
  status: 'skipped_status',
  unavailable: 'unavailable',
};

export async function crawlStep(deps: CrawlDeps, item: FrontierItem, holder: string): Promise<StepResult> {
  const { ledger } = deps;
  if (ledger.state === 'cancelled' || ledger.state === 'done') return { kind: 'done', admitted: [] };
  if (ledger.state === 'paused') return { kind: 'wait', wait_ms: 1000 };
  // Refused addresses (private, metadata, .onion, session tokens) end here: no robots.txt, no request.
  const refusal = await deps.fetcher.refusal(item.url);
  if (refusal) {
    if (item.kind !== 'robots') ledger.count(SKIP_COUNTERS[refusal.reason]);
    return { kind: 'done', admitted: [] };
  }
  if (item.kind === 'robots') return robotsStep(deps, item, holder);
  const id = await pageId(item.url);
  // Freshness first: a page crawled within max-age costs the host nothing, not even a slot.
  const existing = item.kind === 'page' ? await deps.documents.get('pages', id) : undefined;
  // A page this job already wrote belongs to an item that never finished (a crash between the page
  // write and the report): it is fetched again in full, since its edges may be missing.
  const earlier = crawlOf(existing);
  const last = earlier?.job_id === deps.config.job_id ? undefined : earlier;
  if (last && deps.now() - Date.parse(last.fetched_at) < deps.config.max_age_s * 1000) {
    ledger.count('fresh');
    return { kind: 'done', admitted: await storedLinks(deps, item, id) };
  }
  const request: FetchRequest =
    item.kind === 'page'
      ? { url: item.url, etag: last?.etag, last_modified: last?.last_modified }
      : { url: item.url, content_types: SITEMAP_TYPES, binary: true, max_bytes: 10 * 1024 * 1024 };
  // The host's owner makes the request in its turn where it can; otherwise the worker's own permit.
  const turn =
    (await deps.hosts.fetchInTurn?.(request, holder)) ?? (await permittedFetch(deps, request, holder));
  if (turn.kind === 'wait') return turn;
  if (turn.kind === 'disallowed') {
    ledger.count('robots_blocked');
    return { kind: 'done', admitted: [] };
  }
  const result = turn.result;
  const host = new URL(item.url).host;
  if (result.kind !== 'skipped') deps.metrics.hostTiming(host, result.elapsed_ms);
  if (item.kind === 'sitemap') return sitemapStep(deps, item, result);
  return pageStep(deps, item, id, existing, result);
}

/** The worker's own politeness: the host's permit, the request, the release. */
async function permittedFetch(deps: CrawlDeps, request: FetchRequest, holder: string): Promise<Turn> {
  const permit = await deps.hosts.permit(request.url, holder, deps.job_gate);
  if (permit.kind !== 'go') return permit;
  const granted = deps.now();
  let result: FetchResult | undefined;
  let end: ResponseEnd | undefined;
  try {
    // The slot is ours from the granted start: sending sooner would shorten the crawl-delay.
    if (permit.start_in_ms) await (deps.sleep ?? timerSleep)(permit.start_in_ms);
    result = await deps.fetcher.fetch({ ...request, min_retry_gap_ms: permit.delay_ms });
    // Read at once: the host counts the delay from here, not from the release's arrival a trip later.
    const ended_at = deps.now();
    end = { ended_at, held_ms: ended_at - granted };
    return { kind: 'fetched', delay_ms: permit.delay_ms, result };
  } finally {
    // A skipped answer's body was cancelled, not read to its end: the host's end comes later.
    const cut = result === undefined || result.kind === 'skipped';
    await deps.hosts.release(request.url, holder, cut, cut ? undefined : end);
  }
}

async function robotsStep(deps: CrawlDeps, item: FrontierItem, holder: string): Promise<StepResult> {
  const origin = new URL(item.url).origin;
  const ready = await deps.hosts.robots(origin, holder);
  if (ready.kind === 'wait') return ready;
  if (!deps.config.use_sitemaps || ready.state !== 'parsed') {
    return { kind: 'done', admitted: [], robots: ready.rules };
  }
  const admitted = ready.sitemaps.flatMap((s) =>
    admitUrl(deps, s, undefined, { kind: 'sitemap', depth: 0, via: 'sitemap', hops: 0 }),
  );
  return { kind: 'done', admitted, robots: ready.rules };
}

async function sitemapStep(deps: CrawlDeps, item: FrontierItem, result: FetchResult): Promise<StepResult> {
  if (result.kind !== 'ok') return { kind: 'done', admitted: [] };
  deps.ledger.count('sitemaps');
  const sitemap = await parseSitemapBytes(result.body).catch(() => undefined);
  if (!sitemap || sitemap.kind === 'invalid') return { kind: 'done', admitted: [] };
  const admitted =
    sitemap.kind === 'index'
      ? sitemap.sitemaps.flatMap((s) =>
          item.depth < 2
            ? admitUrl(deps, s.loc, item.url, {
                kind: 'sitemap',
                depth: item.depth + 1,
                via: 'sitemap',
                hops: 0,
              })
            : [],
        )
      : sitemap.urls.flatMap((u) =>
          admitUrl(deps, u.loc, item.url, { kind: 'page', depth: 1, via: 'sitemap', hops: 0 }),
        );
  return { kind: 'done', admitted };
}

async function pageStep(
  deps: CrawlDeps,
  item: FrontierItem,
  id: string,
  existing: Awaited<ReturnType<DocumentStore['get']>>,
  result: FetchResult,
): Promise<StepResult> {
  const { ledger } = deps;
  const scope = { provider: deps.config.provider, tenant: deps.config.tenant };
  const at = new Date(deps.now()).toISOString();
  if (result.kind === 'skipped') {
    ledger.count(SKIP_COUNTERS[result.reason]);
    return { kind: 'done', admitted: [] };
  }
  ledger.count('fetched');
  if (result.kind === 'not_modified') {
    ledger.count('not_modified');
    if (existing) await deps.documents.upsertMany('pages', [revalidatedDocument(existing, at)]);
    return { kind: 'done', admitted: await storedLinks(deps, item, id) };
  }
  if (result.kind === 'redirect') {
    ledger.count('redirects');
    const admitted = admitUrl(deps, result.location, item.url, {
      kind: 'page',
      depth: item.depth,
      via: 'redirect',
      hops: item.hops + 1,
      from: id,
    });
    const target = admitted.at(-1);
    if (target) {
      await deps.documents.upsertMany('edges', [
        edgeDocument(
          scope,
          id,
          await pageId(target.url),
          { from_url: item.url, to_url: target.url, anchor: '', nofollow: false, kind: 'redirect' },
          at,
        ),
      ]);
      ledger.count('edges');
    }
    return { kind: 'done', admitted };
  }
  ledger.count('bytes', result.bytes);
  const page: ExtractedPage =
    result.media_type === 'text/plain'
      ? {
          title: '',
          lang: undefined,
          text: result.text,
          links: [],
          robots: { noindex: false, nofollow: false },
          canonical: undefined,
          description: undefined,
        }
      : extractHtml(result.text, item.url, deps.config.user_agent, result.headers['x-robots-tag']);
  const follow = !(page.robots.nofollow && deps.config.honour_nofollow);
  const admitted = follow
    ? page.links
        .filter((l) => !l.nofollow)
        .flatMap((l) =>
          admitUrl(deps, l.href, item.url, {
            kind: 'page',
            depth: item.depth + 1,
            via: 'link',
            hops: 0,
            from: id,
          }),
        )
    : [];
  if (page.robots.noindex && deps.config.honour_noindex) {
    ledger.count('noindex');
    return { kind: 'done', admitted };
  }
  const normalized = normalizeForHash(`${page.title} ${page.text}`);
  const record: CrawlRecord = {
    url: item.url,
    status: result.status,
    media_type: result.media_type,
    charset: result.charset,
    bytes: result.bytes,
    etag: result.headers.etag,
    last_modified: result.headers['last-modified'],
    fetched_at: at,
    elapsed_ms: result.elapsed_ms,
    content_sha256: await sha256Hex(normalized),
    simhash: simhash64(page.text),
    lead: await leadFingerprint(page.text),
    title: page.title,
    lang: page.lang,
    description: page.description,
    text: page.text,
    out_links: page.links.length,
    noindex: false,
    job_id: deps.config.job_id,
  };
  if (await isDuplicate(deps.documents, id, record)) {
    ledger.count('duplicates');
    return { kind: 'done', admitted };
  }
  const host = new URL(item.url).host;
  // Page before edges: an edge never points from a page the graph does not have.
  await deps.documents.upsertMany('pages', [pageDocument(scope, id, host, record)]);
  ledger.count('pages');
  const edges = new Map<string, ReturnType<typeof edgeDocument>>();
  // Every link's id at once (a hash each): the hashes do not wait on one another.
  const targets = await Promise.all(page.links.map((l) => linkTarget(l.href, item.url)));
  for (const [i, link] of page.links.entries()) {
    const target = targets[i];
    if (!target || target.id === id) continue;
    edges.set(
      target.id,
      edgeDocument(
        scope,
        id,
        target.id,
        {
          from_url: item.url,
          to_url: target.url,
          anchor: link.text.slice(0, 200),
          nofollow: link.nofollow || !follow,
          kind: 'link',
        },
        at,
      ),
    );
  }
  if (edges.size > 0) {
    await deps.documents.upsertMany('edges', [...edges.values()]);
    ledger.count('edges', edges.size);
  }
  if (deps.config.passes) {
    if (deps.schedule_passes) deps.schedule_passes({ id, record });
    else await indexPagePasses(deps, scope, id, record);
  }
  return { kind: 'done', admitted };
}

/** An unchanged page's links, from the graph: a re-crawl walks on without fetching the page again. */
async function storedLinks(deps: CrawlDeps, item: FrontierItem, id: string): Promise<FrontierItem[]> {
  const edges = await deps.documents.find('edges', { from: id }, { limit: 1000 });
  return edges.flatMap((e) => {
    const link = e.slots.link?.value as EdgeValue | undefined;
    if (!link || link.nofollow) return [];
    const next =
      link.kind === 'redirect'
        ? { depth: item.depth, hops: item.hops + 1 }
        : { depth: item.depth + 1, hops: 0 };
    return admitUrl(deps, link.to_url, undefined, {
      kind: 'page',
      via: link.kind === 'redirect' ? 'redirect' : 'link',
      from: id,
      ...next,
    });
  });
}

async function linkTarget(href: string, base: string): Promise<{ id: string; url: string } | undefined> {
  const c = canonicalizeUrl(href, base);
  return c.ok ? { id: await pageId(c.url), url: c.url } : undefined;
}

/**
 * An exact copy (same normalized text) or a near one: SimHash within 3 bits, or within 16 bits for a
 * page that opens with the same text. Two pages processed at the same moment may both pass (the
 * bench reports the resulting duplicate-node ratio).
 */
async function isDuplicate(documents: DocumentStore, id: string, record: CrawlRecord): Promise<boolean> {
  // The lookups are independent: asked in one call (one round trip to the store's object instead of six),
  // the page's report (and its links' admission) waits for one answer. The answer is the same.
  const near = (bits: number) => (c: StoredDocument) => {
    const other = crawlOf(c);
    return (
      c.foreign_id !== id && other !== undefined && hammingDistance(other.simhash, record.simhash) <= bits
    );
  };
  const withLead = record.text.length >= 200;
  const answers = await findEach(documents, 'pages', [
    { index: { content_sha256: record.content_sha256 }, options: { limit: 2 } },
    ...(withLead ? [{ index: { lead: record.lead }, options: { limit: 50 } }] : []),
    ...simhashBands(record.simhash).map((band, i) => ({
      index: { [`sim${i}`]: band },
      options: { limit: 200 },
    })),
  ]);
  const [exact = [], ...rest] = answers;
  const sameLead = withLead ? (rest.shift() ?? []) : [];
  const bands = rest;
  if (exact.some((d) => d.foreign_id !== id)) return true;
  if (sameLead.some(near(NEAR_DUPLICATE_SAME_LEAD_BITS))) return true;
  return bands.some((candidates) => candidates.some(near(NEAR_DUPLICATE_BITS)));
}
