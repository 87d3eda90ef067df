/**
 * The LLM passes for one page and the dual sink: summary and tags go into the page document first,
 * then the summary's embedding into Chroma's `web_summaries` under the page's id, with retries. A
 * crash between the two sinks leaves a page the reconcile job finds (document without vector).
 */
import { FIND_MAX_LIMIT, type StoredDocument } from '@promethean/shared/effects/document-store';
import type { VectorRecord } from '@promethean/shared/effects/effect-ports';
import { type CrawlRecord, crawlOf, type PageScope, pageUrn } from '@promethean/shared/web/page-graph';
import { summarizePage } from '../../web-summarizer/summary-pass.ts';
import { tagPage } from '../../web-tagger/tag-pass.ts';
import { vectorIds } from './crawl-report.ts';
import type { CrawlDeps } from './crawl-step.ts';

export interface SummarySlot {
  text: string;
  tokens: number;
  model: string;
  offline: boolean;
  prompt: string;
}

export interface TagsSlot {
  tags: string[];
  model: string;
  offline: boolean;
  prompt: string;
}

/** Chroma metadata holds scalars only: tags travel without `#`, once as a list and once as flags to filter on. */
export function vectorMetadata(
  record: CrawlRecord,
  host: string,
  tags: readonly string[],
): VectorRecord['metadata'] {
  const bare = tags.map((t) => t.replace(/^#/, ''));
  return {
    url: record.url,
    host,
    domain: host.replace(/:\d+$/, ''),
    title: record.title.slice(0, 300),
    tags: bare.join(' '),
    fetched_at: record.fetched_at,
    ...Object.fromEntries(bare.map((t) => [`tag_${t}`, true])),
  };
}

async function withRetries<T>(attempts: number, run: () => Promise<T>): Promise<T> {
  let last: unknown;
  for (let i = 0; i < attempts; i++) {
    try {
      return await run();
    } catch (e) {
      last = e;
      await new Promise((r) => setTimeout(r, 100 * 2 ** i));
    }
  }
  throw last;
}

export type PassDeps = Pick<
  CrawlDeps,
  'documents' | 'vectors' | 'models' | 'metrics' | 'ledger' | 'embed_spec'
>;

export async function indexPagePasses(
  deps: PassDeps,
  scope: PageScope,
  id: string,
  record: CrawlRecord,
): Promise<void> {
  const timed = async <T>(
    stage: 'summary' | 'tags' | 'embed' | 'vector_write',
    run: () => Promise<T>,
  ): Promise<T> => {
    const started = performance.now();
    try {
      return await run();
    } finally {
      deps.metrics.stage(stage, performance.now() - started);
    }
  };
  const summary = await timed('summary', () => summarizePage(deps.models, record));
  const tags = await timed('tags', () => tagPage(deps.models, record));
  const host = new URL(record.url).host;
  const version = record.fetched_at;
  const doc: StoredDocument = {
    provider: scope.provider,
    tenant: scope.tenant,
    foreign_id: id,
    urn: pageUrn(scope, id),
    index: {},
    slots: {
      summary: { version, value: summary satisfies SummarySlot },
      tags: {
        version,
        value: {
          tags: tags.tags,
          model: tags.model,
          offline: tags.offline,
          prompt: tags.prompt,
        } satisfies TagsSlot,
      },
    },
  };
  await deps.documents.upsertMany('pages', [doc]);
  deps.ledger.count('summaries');
  deps.ledger.count('tagged');
  const embedded = await timed('embed', () => deps.models.embed([summary.text]));
  const spec = deps.embed_spec ?? { model: embedded.model, dimension: embedded.dimension };
  const vector = embedded.vectors[0];
  if (!vector) throw new Error(`no embedding for page ${id}`);
  await timed('vector_write', () =>
    withRetries(3, () =>
      deps.vectors.upsert(
        'web_summaries',
        [
          {
            id,
            embedding: vector,
            document: summary.text,
            metadata: vectorMetadata(record, host, tags.tags),
          },
        ],
        spec,
      ),
    ),
  );
  deps.ledger.count('vectors');
}

export interface ReconcileResult {
  /** Pages whose passes or vector were missing and were run again. */
  repaired: number;
  /** Vectors whose page is gone, deleted from Chroma. */
  orphans_removed: number;
}

/**
 * The reconcile job: every page without its summary, its tags or its vector gets its passes again
 * (temperature 0 and ids from the URL make this an overwrite), and every vector without a page goes.
 */
export async function reconcilePasses(deps: PassDeps, scope: PageScope): Promise<ReconcileResult> {
  const pages = await deps.documents.find('pages', {}, { limit: FIND_MAX_LIMIT });
  const present = await vectorIds(deps.vectors);
  let repaired = 0;
  for (const page of pages) {
    const record = crawlOf(page);
    if (!record) continue;
    if (page.slots.summary && page.slots.tags && present.has(page.foreign_id)) continue;
    await indexPagePasses(deps, scope, page.foreign_id, record);
    repaired++;
  }
  const known = new Set(pages.map((p) => p.foreign_id));
  const orphans = [...present].filter((id) => !known.has(id));
  if (orphans.length > 0) await deps.vectors.delete('web_summaries', orphans);
  return { repaired, orphans_removed: orphans.length };
}
