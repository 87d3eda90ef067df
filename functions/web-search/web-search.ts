/**
 * Search over crawled pages: the query embedded with the same pinned model, nearest summaries in
 * `web_summaries` filtered by tag and domain in Chroma, every hit hydrated from the page graph (a
 * vector whose page is gone is dropped and counted, never answered).
 */
import type { DocumentStore, StoredDocument } from '@promethean/shared/effects/document-store';
import type { ModelPort, VectorStore } from '@promethean/shared/effects/effect-ports';
import { type CrawlRecord, crawlOf, type EdgeValue } from '@promethean/shared/web/page-graph';
import type { SummarySlot, TagsSlot } from '@promethean/shared/web/page-graph-slots';
import { z } from 'zod';
import { normalizeTag } from '../web-tagger/tag-pass.ts';

export const WebSearchQuery = z.object({
  q: z.string().trim().min(1).max(500),
  /** Comma- or space-separated; `#` optional. Every tag must match. */
  tags: z
    .string()
    .optional()
    .transform((t) =>
      (t ?? '').split(/[\s,]+/).flatMap((x) => (x === '' ? [] : [normalizeTag(x) ?? `#invalid-${x}`])),
    ),
  domain: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^[a-z0-9.-]+$/)
    .optional(),
  k: z.coerce.number().int().min(1).max(50).default(10),
});
export type WebSearchQuery = z.output<typeof WebSearchQuery>;

export interface WebSearchPorts {
  documents: DocumentStore;
  vectors: VectorStore;
  models: ModelPort;
}

export interface PageView {
  id: string;
  url: string;
  title: string;
  domain: string;
  lang: string | undefined;
  summary: string | undefined;
  tags: string[];
  first_seen_at: string | undefined;
  last_crawled_at: string;
  status: number;
  content_sha256: string;
}

export function pageView(doc: StoredDocument): PageView | undefined {
  const crawl = crawlOf(doc) as CrawlRecord | undefined;
  if (!crawl) return undefined;
  const summary = doc.slots.summary?.value as SummarySlot | undefined;
  const tags = doc.slots.tags?.value as TagsSlot | undefined;
  const first = doc.slots.first_seen?.value as { at: string } | undefined;
  return {
    id: doc.foreign_id,
    url: crawl.url,
    title: crawl.title,
    domain: doc.index.domain ?? new URL(crawl.url).hostname,
    lang: crawl.lang,
    summary: summary?.text,
    tags: tags?.tags ?? [],
    first_seen_at: first?.at,
    last_crawled_at: crawl.fetched_at,
    status: crawl.status,
    content_sha256: crawl.content_sha256,
  };
}

export async function searchWeb(ports: WebSearchPorts, query: WebSearchQuery) {
  const embedded = await ports.models.embed([query.q]);
  const vector = embedded.vectors[0];
  if (!vector) throw new Error('the model returned no embedding for the query');
  const where: Record<string, string | boolean> = {};
  if (query.domain) where.domain = query.domain;
  for (const tag of query.tags) where[`tag_${tag.slice(1)}`] = true;
  // Pinned to the query's model in the same call: distances across two models would be noise.
  const matches = await ports.vectors.query('web_summaries', vector, query.k, where, {
    model: embedded.model,
    dimension: embedded.dimension,
  });
  const docs = await ports.documents.getMany(
    'pages',
    matches.map((m) => m.id),
  );
  const byId = new Map(docs.map((d) => [d.foreign_id, d]));
  const results = matches.flatMap((m) => {
    const doc = byId.get(m.id);
    const view = doc ? pageView(doc) : undefined;
    return view ? [{ ...view, distance: m.distance }] : [];
  });
  return {
    query,
    offline: embedded.offline,
    model: embedded.model,
    results,
    orphans: matches.length - results.length,
  };
}

export interface EdgeView {
  id: string;
  url: string;
  anchor: string;
  kind: EdgeValue['kind'];
  nofollow: boolean;
}

/** A page with its in- and out-edges (up to `limit` each). */
export async function pageWithEdges(documents: DocumentStore, id: string, limit = 200) {
  const doc = await documents.get('pages', id);
  const page = doc ? pageView(doc) : undefined;
  if (!page) return undefined;
  const edge = (e: StoredDocument, end: 'from' | 'to'): EdgeView => {
    const v = e.slots.link?.value as EdgeValue;
    return {
      id: e.index[end] ?? '',
      url: end === 'to' ? v.to_url : v.from_url,
      anchor: v.anchor,
      kind: v.kind,
      nofollow: v.nofollow,
    };
  };
  const [outgoing, incoming] = await Promise.all([
    documents.find('edges', { from: id }, { limit }),
    documents.find('edges', { to: id }, { limit }),
  ]);
  return {
    page,
    out_edges: outgoing.map((e) => edge(e, 'to')),
    in_edges: incoming.map((e) => edge(e, 'from')),
    degree: { out: outgoing.length, in: incoming.length },
  };
}
