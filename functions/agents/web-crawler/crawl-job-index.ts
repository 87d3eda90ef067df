/**
 * The tenant's list of crawl jobs: each job is its own CrawlJob Durable Object, which cannot be listed,
 * so starting a job also writes one small `crawl` document naming it. The status page reads the newest
 * of these and asks each job's object for its live figures.
 */
import type { DocumentStore, StoredDocument } from '@promethean/shared/effects/document-store';
import type { CrawlJobConfig } from '@promethean/shared/web/crawl-config';

export interface IndexedCrawlJob {
  job_id: string;
  seeds: string[];
  started_at: string;
}

const indexId = (job: string) => `index:${job}`;

/** Records a started job (idempotent: a repeated start of the same job keeps its first time). */
export async function recordCrawlJob(
  documents: DocumentStore,
  config: CrawlJobConfig,
  at: Date,
): Promise<void> {
  const entry: IndexedCrawlJob = {
    job_id: config.job_id,
    seeds: config.seeds.slice(0, 5),
    started_at: at.toISOString(),
  };
  const doc: StoredDocument = {
    provider: config.provider,
    tenant: config.tenant,
    foreign_id: indexId(config.job_id),
    urn: `urn:${config.provider}:crawljob:${config.tenant}:${config.job_id}`,
    index: { kind: 'job', job_id: config.job_id },
    // A constant version: the first start's record wins, so a repeated start does not move the job.
    slots: { job: { version: '0', value: entry } },
  };
  await documents.upsertMany('crawl', [doc]);
}

/** The tenant's newest jobs, newest first. */
export async function recentCrawlJobs(documents: DocumentStore, limit: number): Promise<IndexedCrawlJob[]> {
  const docs = await documents.find('crawl', { kind: 'job' }, { limit: 200 });
  return docs
    .map((d) => d.slots.job?.value as IndexedCrawlJob | undefined)
    .filter((j): j is IndexedCrawlJob => j !== undefined && typeof j.job_id === 'string')
    .sort((a, b) => b.started_at.localeCompare(a.started_at))
    .slice(0, limit);
}
