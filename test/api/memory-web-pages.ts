/**
 * Crawled pages for Node tests of the `/v1` web operations: stored the way the crawler stores them (page and
 * edge documents, summary and tag slots, summary vectors with the crawler's metadata), in memory stores with
 * the offline model, so the real web search code answers.
 */
import { MemoryDocumentStore } from '@promethean/shared/effects/memory-document-store';
import { MemoryVectorStore } from '@promethean/shared/effects/memory-vector-store';
import { type CrawlRecord, edgeDocument, pageDocument, pageId } from '@promethean/shared/web/page-graph';
import { OfflineModelPort } from '../../functions/models/offline-model-port.ts';
import type { WebSearchPorts } from '../../functions/web-search/web-search.ts';
import { vectorMetadata } from '../../functions/web-tagger/summary-vector.ts';

export interface SeedPage {
  url: string;
  title: string;
  summary: string;
  tags: string[];
}

/** A link between two of the seeded pages, by their index. */
export interface SeedLink {
  from: number;
  to: number;
  anchor: string;
}

/** One link from each page to the next, anchored by the next page's title. */
const chain = (pages: readonly SeedPage[]): SeedLink[] =>
  pages.slice(1).map((p, i) => ({ from: i, to: i + 1, anchor: p.title }));

/** Stores `pages` and `links` (by default a chain); answers the ports and the page ids in order. */
export async function memoryWebPages(
  scope: { provider: string; tenant: string },
  pages: readonly SeedPage[],
  links: readonly SeedLink[] = chain(pages),
): Promise<{ ports: WebSearchPorts; ids: string[] }> {
  const documents = new MemoryDocumentStore();
  const vectors = new MemoryVectorStore(scope.provider, scope.tenant);
  const models = new OfflineModelPort();
  const ids: string[] = [];
  for (const p of pages) {
    const id = await pageId(p.url);
    const host = new URL(p.url).host;
    const record: CrawlRecord = {
      url: p.url,
      status: 200,
      media_type: 'text/html',
      charset: 'utf-8',
      bytes: 100,
      fetched_at: '2026-12-01T00:00:00.000Z',
      elapsed_ms: 3,
      content_sha256: id,
      simhash: '0000000000000000',
      lead: id.slice(0, 16),
      title: p.title,
      text: p.summary,
      out_links: 0,
      noindex: false,
      job_id: 'j',
    };
    const doc = pageDocument(scope, id, host, record);
    doc.slots.summary = {
      version: record.fetched_at,
      value: { text: p.summary, tokens: 10, model: 'offline-llm', offline: true, prompt: 'p' },
    };
    doc.slots.tags = {
      version: record.fetched_at,
      value: { tags: p.tags, model: 'offline-llm', offline: true, prompt: 't' },
    };
    await documents.upsertMany('pages', [doc]);
    const {
      vectors: [embedding],
      model,
      dimension,
    } = await models.embed([p.summary]);
    await vectors.upsert(
      'web_summaries',
      [
        {
          id,
          embedding: embedding as number[],
          document: p.summary,
          metadata: vectorMetadata(record, host, p.tags),
        },
      ],
      { model, dimension },
    );
    ids.push(id);
  }
  for (const link of links)
    await documents.upsertMany('edges', [
      edgeDocument(
        scope,
        ids[link.from] as string,
        ids[link.to] as string,
        {
          from_url: pages[link.from]?.url ?? '',
          to_url: pages[link.to]?.url ?? '',
          anchor: link.anchor,
          nofollow: false,
          kind: 'link',
        },
        '2026-12-01T00:00:00.000Z',
      ),
    ]);
  return { ports: { documents, vectors, models }, ids };
}
