/**
 * A backfill job's document in the tenant's `jobs` collection: the job itself, one slot per page request
 * (its cursor and the counts before it) and per answered part, and the outcome. Slots only ever move
 * forward, so redelivered or reordered messages converge on the same document.
 */
import type { StoredDocument } from '@promethean/shared/effects/document-store';

export interface JobCounts {
  pages: number;
  fetched: number;
  upserted: number;
}

export interface JobSpec {
  job_id: string;
  channel: { urn: string; foreign_id: string };
  limit?: number | undefined;
  page_size: number;
  /** Messages at or below this id are already stored: the walk stops there. */
  after?: string | undefined;
  space_id?: string | undefined;
  interaction_urn?: string | undefined;
  started_at: string;
}

export interface PageRequest {
  page: number;
  before?: string | undefined;
  progress: JobCounts;
  /** How many messages this page asked for. */
  limit: number;
}

export interface JobOutcome {
  state: 'done' | 'failed';
  at: string;
  counts: JobCounts;
  message?: string;
}

interface Scope {
  provider: string;
  tenant: string;
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** The job's document id in the `jobs` collection. */
export const jobDocumentId = (jobId: string) => `backfill:${jobId}`;

function base(scope: Scope, job: Pick<JobSpec, 'job_id' | 'channel'>): Omit<StoredDocument, 'slots'> {
  return {
    provider: scope.provider,
    tenant: scope.tenant,
    foreign_id: jobDocumentId(job.job_id),
    urn: `urn:${scope.provider}:job:${scope.tenant}:backfill:${job.job_id}`,
    index: { kind: 'backfill', channel_id: job.channel.foreign_id },
  };
}

/** The job's spec; the first writer wins (a constant version keeps the stored one on a tie). */
export function jobSpecDocument(scope: Scope, job: JobSpec): StoredDocument {
  return { ...base(scope, job), slots: { job: { version: '0', value: job } } };
}

/** Records the request for one page (its cursor and the counts before it). */
export function pageRequestDocument(scope: Scope, job: JobSpec, request: PageRequest): StoredDocument {
  return {
    ...base(scope, job),
    slots: { [`request.${pad(request.page, 6)}`]: { version: '1', value: request } },
  };
}

/** Records one answered part of a page. */
export function pagePartDocument(
  scope: Scope,
  job: JobSpec,
  page: number,
  part: number,
  value: { messages: number; oldest_id?: string | undefined },
): StoredDocument {
  return {
    ...base(scope, job),
    slots: { [`part.${pad(page, 6)}.${pad(part, 3)}`]: { version: '1', value } },
  };
}

/** Records how the job ended; a later outcome never replaces an earlier one. */
export function outcomeDocument(scope: Scope, job: JobSpec, outcome: JobOutcome): StoredDocument {
  return { ...base(scope, job), slots: { outcome: { version: '0', value: outcome } } };
}

/** Reads the job spec back from its document. */
export function jobSpecOf(doc: StoredDocument | undefined): JobSpec | undefined {
  return doc?.slots.job?.value as JobSpec | undefined;
}

/** The request recorded for `page`, if any. */
export function pageRequestOf(doc: StoredDocument | undefined, page: number): PageRequest | undefined {
  return doc?.slots[`request.${pad(page, 6)}`]?.value as PageRequest | undefined;
}

/** The newest page request recorded (where a restarted job continues from). */
export function latestPageRequest(doc: StoredDocument | undefined): PageRequest | undefined {
  const names = Object.keys(doc?.slots ?? {})
    .filter((n) => n.startsWith('request.'))
    .sort();
  const last = names.at(-1);
  return last === undefined ? undefined : (doc!.slots[last]!.value as PageRequest);
}

export function outcomeOf(doc: StoredDocument | undefined): JobOutcome | undefined {
  return doc?.slots.outcome?.value as JobOutcome | undefined;
}

/** The correlation id that ties a page's rest.response back to its job and page. */
export function pageCorr(jobId: string, page: number): string {
  return `backfill:${jobId}:${page}`;
}

/** Parses a correlation id made by `pageCorr`; undefined for anything else. */
export function parsePageCorr(corr: string | undefined): { jobId: string; page: number } | undefined {
  if (corr === undefined || !corr.startsWith('backfill:')) return undefined;
  const at = corr.lastIndexOf(':');
  const page = Number(corr.slice(at + 1));
  const jobId = corr.slice('backfill:'.length, at);
  if (!Number.isInteger(page) || page < 0 || jobId.length === 0) return undefined;
  return { jobId, page };
}
