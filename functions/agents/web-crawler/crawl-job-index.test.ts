import { MemoryDocumentStore } from '@promethean/shared/effects/memory-document-store';
import { CrawlJobConfig } from '@promethean/shared/web/crawl-config';
import { describe, expect, it } from 'vitest';
import { recentCrawlJobs, recordCrawlJob } from './crawl-job-index.ts';

const job = (job_id: string) =>
  CrawlJobConfig.parse({ job_id, provider: 'echo', tenant: 'demo', seeds: ['https://a.test/'] });

describe('the crawl job index', () => {
  it('lists jobs newest first, keeps the first start of a repeated job, and ignores checkpoints', async () => {
    const documents = new MemoryDocumentStore({ provider: 'echo', tenant: 'demo' });
    await recordCrawlJob(documents, job('old'), new Date('2026-12-01T10:00:00Z'));
    await recordCrawlJob(documents, job('new'), new Date('2026-12-02T10:00:00Z'));
    // A repeated start (the admin route is idempotent per job id) must not move the job.
    await recordCrawlJob(documents, job('old'), new Date('2026-12-03T10:00:00Z'));
    // The local driver's checkpoint documents share the collection.
    await documents.upsertMany('crawl', [
      {
        provider: 'echo',
        tenant: 'demo',
        foreign_id: 'job:old',
        urn: 'urn:echo:crawljob:demo:old',
        index: { job_id: 'old', state: 'running' },
        slots: { checkpoint: { version: '000000000001', value: {} } },
      },
    ]);
    const listed = await recentCrawlJobs(documents, 5);
    expect(listed.map((j) => [j.job_id, j.started_at])).toEqual([
      ['new', '2026-12-02T10:00:00.000Z'],
      ['old', '2026-12-01T10:00:00.000Z'],
    ]);
    expect(await recentCrawlJobs(documents, 1)).toHaveLength(1);
  });
});
