/** What the person who ran /backfill sees: one message, edited as the job moves. */
import type { JobCounts, JobSpec } from './backfill-job.ts';

const channelName = (job: JobSpec) => `#${job.channel.foreign_id}`;

export function queuedText(job: Pick<JobSpec, 'channel' | 'limit'>): string {
  const limit = job.limit === undefined ? 'all messages' : `up to ${job.limit} messages`;
  return `Backfill of #${job.channel.foreign_id} queued (${limit}).`;
}

export function progressText(job: JobSpec, counts: JobCounts): string {
  return `Backfilling ${channelName(job)}: ${counts.fetched} messages in ${counts.pages} pages so far…`;
}

export function doneText(job: JobSpec, counts: JobCounts): string {
  return `Backfill of ${channelName(job)} done: ${counts.fetched} messages in ${counts.pages} pages.`;
}

export function failedText(job: JobSpec, counts: JobCounts, reason: string): string {
  return `Backfill of ${channelName(job)} stopped after ${counts.fetched} messages: ${reason}`;
}
