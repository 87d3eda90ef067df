/** A backfill job's state as people read it: running, done or failed, with its counts so far. */
import type { StoredDocument } from '@promethean/shared/effects/document-store';
import { type JobCounts, jobSpecOf, outcomeOf } from './backfill-job.ts';

export interface JobSummary {
  job_id: string;
  channel_id: string;
  state: 'running' | 'done' | 'failed';
  counts: JobCounts;
  started_at: string;
  finished_at?: string;
  message?: string;
}

/** Reads a job document; counts for a running job come from its page parts recorded so far. */
export function jobSummary(doc: StoredDocument): JobSummary {
  const job = jobSpecOf(doc);
  const outcome = outcomeOf(doc);
  const parts = Object.entries(doc.slots).filter(([name]) => name.startsWith('part.'));
  const fetched = parts.reduce((n, [, slot]) => n + ((slot.value as { messages?: number }).messages ?? 0), 0);
  const pages = new Set(parts.map(([name]) => name.split('.')[1])).size;
  const counts = outcome?.counts ?? { pages, fetched, upserted: fetched };
  return {
    job_id: job?.job_id ?? doc.foreign_id,
    channel_id: job?.channel.foreign_id ?? doc.index.channel_id ?? '',
    state: outcome?.state ?? 'running',
    counts,
    started_at: job?.started_at ?? '',
    ...(outcome && { finished_at: outcome.at }),
    ...(outcome?.message !== undefined && { message: outcome.message }),
  };
}
