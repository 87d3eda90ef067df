/**
 * Crawled pages for Node tests of the `/v1` web operations: stored the way the crawler stores them (page and
 * edge documents, summary and tag slots, summary vectors with the crawler's metadata), in memory stores with
 * the offline model, so the real web search code answers.
 */
import { MemoryDocumentStore } from '@promethean/shared/effects/memory-document-store';
import { MemoryVectorStore } from '@promethean/shared/effects/memory-vector-store';
import { type CrawlRecord, edgeDocument, pageDocument, pageId } from '@promethean/shared/web/page-graph';
import { OfflineModelPort } from '../../functions/models/offline-model-port.ts';
import { vectorMetadata } from '../../functions/web-crawler/page-passes.ts';
import type { WebSearchPorts } from '../../functions/web-search/web-search.ts';

export interface SeedPage {
  url: string;
  title: string;
  summary: string;
  tags: string[];
}

/** Stores `pages` and one link from each page to the next; answers the ports and the page ids in order. */
export async function memoryWebPages(
  scope: { provider: string; tenant: string },
  pages: readonly SeedPage[],
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
  for (let i = 0; i + 1 < pages.length; i++)
    await documents.upsertMany('edges', [
      edgeDocument(
        scope,
        ids[i] as string,
        ids[i + 1] as string,
        {
          from_url: pages[i]?.url ?? '',
          to_url: pages[i + 1]?.url ?? '',
          anchor: pages[i + 1]?.title ?? '',
          nofollow: false,
          kind: 'link',
        },
        '2026-12-01T00:00:00.000Z',
      ),
    ]);
  return { ports: { documents, vectors, models }, ids };
}
