/**
 * The LLM passes for one page, run in one place: the summary step (web-summarizer), then the tag step
 * with the dual sink (web-tagger: tags into the document, then the summary's vector into Chroma's
 * `web_summaries` under the page's id). On the platform they are separate agents behind the
 * `web.page.stored` and `web.page.summarized` events; the local driver and the reconcile job run them
 * here, in order. Both steps are keyed by page id and content hash, so running them again writes nothing.
 */
import { FIND_MAX_LIMIT } from '@promethean/shared/effects/document-store';
import { type CrawlRecord, crawlOf, type PageScope } from '@promethean/shared/web/page-graph';
import type { SummarySlot, TagsSlot, VectorSlot } from '@promethean/shared/web/page-graph-slots';
import {
  type PassPageRef,
  type StageTimer,
  summarizeStoredPage,
} from '../../web-summarizer/page-summary-step.ts';
import { tagAndIndexPage } from '../../web-tagger/page-tag-step.ts';
import { vectorIds } from './crawl-report.ts';
import type { CrawlDeps } from './crawl-step.ts';

export type { SummarySlot, TagsSlot };

export type PassDeps = Pick<
  CrawlDeps,
  'documents' | 'vectors' | 'models' | 'metrics' | 'ledger' | 'embed_spec'
>;

/** The page a stored crawl record names, for the passes. */
export function passRef(
  id: string,
  record: Pick<CrawlRecord, 'url' | 'content_sha256' | 'fetched_at' | 'job_id'>,
): PassPageRef {
  return {
    job_id: record.job_id,
    page_id: id,
    url: record.url,
    content_sha256: record.content_sha256,
    fetched_at: record.fetched_at,
  };
}

/** Both passes for one page, counted in the ledger when they hold for the page's text. */
export async function indexPagePasses(
  deps: PassDeps,
  scope: PageScope,
  id: string,
  record: CrawlRecord,
  options: { rewrite_vector?: boolean } = {},
): Promise<void> {
  const timed: StageTimer = async (stage, run) => {
    const started = performance.now();
    try {
      return await run();
    } finally {
      deps.metrics.stage(stage, performance.now() - started);
    }
  };
  const ports = { ...deps, timed };
  const ref = passRef(id, record);
  const summary = await summarizeStoredPage(ports, scope, ref);
  if (summary.kind !== 'summarized') return;
  deps.ledger.count('summaries');
  const tagged = await tagAndIndexPage(ports, scope, ref, options);
  if (tagged.kind !== 'indexed') throw new Error(`page ${id}: tag step found ${tagged.kind}`);
  deps.ledger.count('tagged');
  deps.ledger.count('vectors');
}

export interface ReconcileResult {
  /** Pages whose passes or vector were missing and were run again. */
  repaired: number;
  /** Vectors whose page is gone, deleted from Chroma. */
  orphans_removed: number;
}

/**
 * The reconcile job: every page without its summary, its tags or its vector (in Chroma, or marked in
 * the document) gets its passes again (what is there for its text stays), and every vector without a
 * page goes.
 */
export async function reconcilePasses(deps: PassDeps, scope: PageScope): Promise<ReconcileResult> {
  const pages = await deps.documents.find('pages', {}, { limit: FIND_MAX_LIMIT });
  const present = await vectorIds(deps.vectors);
  let repaired = 0;
  for (const page of pages) {
    const record = crawlOf(page);
    if (!record) continue;
    const hash = record.content_sha256;
    const done = (slot: string) =>
      (page.slots[slot]?.value as SummarySlot | TagsSlot | VectorSlot | undefined)?.content_sha256 === hash;
    const inChroma = present.has(page.foreign_id);
    if (done('summary') && done('tags') && done('vector') && inChroma) continue;
    await indexPagePasses(deps, scope, page.foreign_id, record, { rewrite_vector: !inChroma });
    repaired++;
  }
  const known = new Set(pages.map((p) => p.foreign_id));
  const orphans = [...present].filter((id) => !known.has(id));
  if (orphans.length > 0) await deps.vectors.delete('web_summaries', orphans);
  return { repaired, orphans_removed: orphans.length };
}
