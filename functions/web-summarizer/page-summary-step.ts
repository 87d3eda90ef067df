/**
 * The summary pass for one stored page, as the web-summarizer agent (and the local driver and the
 * reconcile job) runs it: the page is read back from the graph, and only the text whose hash the
 * event names is summarized. A summary already made from that text is kept, so a redelivery writes
 * nothing; a page whose text changed since is left to the newer event.
 */
import type { DocumentStore } from '@promethean/shared/effects/document-store';
import type { ModelPort } from '@promethean/shared/effects/effect-ports';
import { crawlOf, type PageScope, pageSlotsDocument } from '@promethean/shared/web/page-graph';
import type { SummarySlot } from '@promethean/shared/web/page-graph-slots';
import { summarizePage } from './summary-pass.ts';

/** The page a pass is told about (the `web.page.*` events' payload). */
export interface PassPageRef {
  job_id?: string | undefined;
  page_id: string;
  url: string;
  content_sha256: string;
  fetched_at: string;
}

/**
 * The version of a pass's slot: the crawl time, then the text's hash, so it sorts after a slot written
 * before passes carried the hash (the merge keeps the greater version) and before a later crawl's.
 */
export function passSlotVersion(ref: Pick<PassPageRef, 'fetched_at' | 'content_sha256'>): string {
  return `${ref.fetched_at}#${ref.content_sha256.slice(0, 16)}`;
}

export type PassStage = 'summary' | 'tags' | 'embed' | 'vector_write';

/** Times a stage of a pass (the crawl's metrics); runs it untimed when absent. */
export type StageTimer = <T>(stage: PassStage, run: () => Promise<T>) => Promise<T>;

export const untimed: StageTimer = (_stage, run) => run();

/** Why a pass left a page alone: it is not in the graph, or its text is no longer the one named. */
export type StalePage = { kind: 'stale'; reason: 'missing' | 'changed' };

export type SummaryStep = { kind: 'summarized'; wrote: boolean; summary: SummarySlot } | StalePage;

export interface SummaryStepPorts {
  documents: DocumentStore;
  models: ModelPort;
  timed?: StageTimer | undefined;
}

export async function summarizeStoredPage(
  ports: SummaryStepPorts,
  scope: PageScope,
  ref: PassPageRef,
): Promise<SummaryStep> {
  const doc = await ports.documents.get('pages', ref.page_id);
  const record = crawlOf(doc);
  if (!record) return { kind: 'stale', reason: 'missing' };
  if (record.content_sha256 !== ref.content_sha256) return { kind: 'stale', reason: 'changed' };
  const have = doc?.slots.summary?.value as SummarySlot | undefined;
  if (have?.content_sha256 === ref.content_sha256) return { kind: 'summarized', wrote: false, summary: have };
  const timed = ports.timed ?? untimed;
  const made = await timed('summary', () => summarizePage(ports.models, record));
  const summary: SummarySlot = { ...made, content_sha256: ref.content_sha256 };
  await ports.documents.upsertMany('pages', [
    pageSlotsDocument(scope, ref.page_id, passSlotVersion(ref), { summary }),
  ]);
  return { kind: 'summarized', wrote: true, summary };
}
