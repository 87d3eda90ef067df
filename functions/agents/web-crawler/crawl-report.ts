/**
 * The crawl integrity report, as JSON and Markdown: documents against Chroma (counts, ids missing on
 * either side), the pinned model and dimension, top domains, degree distribution, and the job's
 * counters. The reconcile job acts on its `missing_vectors` list.
 */
import type { DocumentStore, StoredDocument } from '@promethean/shared/effects/document-store';
import { FIND_MAX_LIMIT } from '@promethean/shared/effects/document-store';
import type { EmbeddingSpec, VectorStore } from '@promethean/shared/effects/effect-ports';
import { crawlOf } from '@promethean/shared/web/page-graph';
import { isValidTag, MAX_TAGS, MIN_TAGS } from '../../web-tagger/tag-pass.ts';

export interface IntegrityReport {
  pages: number;
  edges: number;
  summarized: number;
  /** Pages fetched and stored with their content (a page only linked to has no crawl record). */
  crawled: number;
  /**
   * Crawled pages whose title another crawled page already has: one content under two URLs stored as two
   * nodes (on the fixture web, where every content has its own title, exactly the duplicate nodes).
   */
  duplicate_titles: number;
  /** Mean tokens of the crawled pages' summaries (0 when none is summarized). */
  summary_tokens_mean: number;
  /** Crawled pages with a tag list, and those whose list is valid (3–12 tags, each passing the tag rules). */
  tagged: number;
  tags_valid: number;
  vectors: number;
  /** Summarized pages whose vector Chroma lacks (ids), and the count of vectors beyond the summarized pages. */
  missing_vectors: string[];
  extra_vectors: number;
  pinned: EmbeddingSpec | undefined;
  top_domains: Array<{ domain: string; pages: number }>;
  degree: { max_in: number; max_out: number; mean_out: number; histogram_in: Record<string, number> };
}

/**
 * Every id in `web_summaries`, by one query for as many neighbours as the collection holds (the port has
 * no listing). Fine at crawl-report scale; an approximate index could in principle answer fewer.
 */
export async function vectorIds(vectors: VectorStore): Promise<Set<string>> {
  const spec = await vectors.pinned('web_summaries');
  const n = await vectors.count('web_summaries');
  if (!spec || n === 0) return new Set();
  const matches = await vectors.query('web_summaries', new Array<number>(spec.dimension).fill(1), n);
  return new Set(matches.map((m) => m.id));
}

function summaryTokens(page: StoredDocument): number | undefined {
  const tokens = (page.slots.summary?.value as { tokens?: unknown } | undefined)?.tokens;
  return typeof tokens === 'number' ? tokens : undefined;
}

function tagList(page: StoredDocument): string[] | undefined {
  const tags = (page.slots.tags?.value as { tags?: unknown } | undefined)?.tags;
  return Array.isArray(tags) ? tags.filter((t): t is string => typeof t === 'string') : undefined;
}

function validTagList(tags: readonly string[]): boolean {
  return tags.length >= MIN_TAGS && tags.length <= MAX_TAGS && tags.every(isValidTag);
}

function bucket(n: number): string {
  if (n === 0) return '0';
  if (n === 1) return '1';
  if (n <= 3) return '2-3';
  if (n <= 7) return '4-7';
  if (n <= 15) return '8-15';
  return '16+';
}

export async function integrityReport(
  documents: DocumentStore,
  vectors: VectorStore,
): Promise<IntegrityReport> {
  const pages: StoredDocument[] = await documents.find('pages', {}, { limit: FIND_MAX_LIMIT });
  const edges = await documents.find('edges', {}, { limit: FIND_MAX_LIMIT });
  const summarized = pages.filter((p) => p.slots.summary).map((p) => p.foreign_id);
  const crawledPages = pages.filter((p) => crawlOf(p) !== undefined);
  const crawled = crawledPages.map(crawlOf).filter((c) => c !== undefined);
  const tokens = crawledPages.map(summaryTokens).filter((t) => t !== undefined);
  const tagLists = crawledPages.map(tagList).filter((t) => t !== undefined);
  const titles = new Set(crawled.map((c) => c.title));
  const present = await vectorIds(vectors);
  const vectorCount = await vectors.count('web_summaries');
  const summarizedSet = new Set(summarized);
  const domains = new Map<string, number>();
  for (const p of pages) domains.set(p.index.domain ?? '?', (domains.get(p.index.domain ?? '?') ?? 0) + 1);
  const inDeg = new Map<string, number>();
  const outDeg = new Map<string, number>();
  const known = new Set(pages.map((p) => p.foreign_id));
  for (const e of edges) {
    const from = e.index.from ?? '';
    const to = e.index.to ?? '';
    outDeg.set(from, (outDeg.get(from) ?? 0) + 1);
    if (known.has(to)) inDeg.set(to, (inDeg.get(to) ?? 0) + 1);
  }
  const histogram: Record<string, number> = {};
  for (const id of known) {
    const b = bucket(inDeg.get(id) ?? 0);
    histogram[b] = (histogram[b] ?? 0) + 1;
  }
  const outs = [...known].map((id) => outDeg.get(id) ?? 0);
  return {
    pages: pages.length,
    edges: edges.length,
    summarized: summarized.length,
    crawled: crawled.length,
    duplicate_titles: crawled.length - titles.size,
    summary_tokens_mean:
      tokens.length === 0 ? 0 : Math.round((tokens.reduce((a, b) => a + b, 0) / tokens.length) * 10) / 10,
    tagged: tagLists.length,
    tags_valid: tagLists.filter(validTagList).length,
    vectors: vectorCount,
    missing_vectors: summarized.filter((id) => !present.has(id)),
    extra_vectors: [...present].filter((id) => !summarizedSet.has(id)).length,
    pinned: await vectors.pinned('web_summaries'),
    top_domains: [...domains]
      .map(([domain, n]) => ({ domain, pages: n }))
      .sort((a, b) => b.pages - a.pages)
      .slice(0, 10),
    degree: {
      max_in: Math.max(0, ...inDeg.values()),
      max_out: Math.max(0, ...outs),
      mean_out:
        outs.length === 0 ? 0 : Math.round((outs.reduce((a, b) => a + b, 0) / outs.length) * 100) / 100,
      histogram_in: histogram,
    },
  };
}

export function reportMarkdown(r: IntegrityReport, counters: Record<string, number>): string {
  const rows = (pairs: Array<[string, string | number]>) =>
    pairs.map(([k, v]) => `| ${k} | ${v} |`).join('\n');
  return [
    '# Crawl integrity report',
    '',
    '| what | value |',
    '| --- | --- |',
    rows([
      ['pages (documents)', r.pages],
      ['edges (documents)', r.edges],
      ['crawled pages / sharing a title with another', `${r.crawled} / ${r.duplicate_titles}`],
      ['summarized pages', r.summarized],
      ['mean summary tokens', r.summary_tokens_mean],
      ['tagged pages / with a valid tag list', `${r.tagged} / ${r.tags_valid}`],
      ['vectors in web_summaries', r.vectors],
      ['summarized pages without a vector', r.missing_vectors.length],
      ['vectors without a summarized page', r.extra_vectors],
      ['pinned model / dimension', r.pinned ? `${r.pinned.model} / ${r.pinned.dimension}` : 'not pinned'],
      [
        'max in-degree / max out-degree / mean out-degree',
        `${r.degree.max_in} / ${r.degree.max_out} / ${r.degree.mean_out}`,
      ],
    ]),
    '',
    '## Top domains',
    '',
    '| domain | pages |',
    '| --- | --- |',
    ...r.top_domains.map((d) => `| ${d.domain} | ${d.pages} |`),
    '',
    '## In-degree distribution',
    '',
    '| in-degree | pages |',
    '| --- | --- |',
    ...Object.entries(r.degree.histogram_in).map(([b, n]) => `| ${b} | ${n} |`),
    '',
    '## Job counters',
    '',
    '| counter | value |',
    '| --- | --- |',
    ...Object.entries(counters)
      .filter(([, v]) => v !== 0)
      .map(([k, v]) => `| ${k} | ${v} |`),
    '',
  ].join('\n');
}
