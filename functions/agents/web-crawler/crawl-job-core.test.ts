import { describe, expect, it } from 'vitest';
import { CrawlJobCore, MemoryJobStore } from './crawl-job-core.ts';

const config = {
  provider: 'echo',
  tenant: 'demo',
  job_id: 'passes',
  seeds: ['https://example.com/'],
};

describe('CrawlJobCore pass counters', () => {
  it('counts a pass once per page, across repeats and a reload of the job', () => {
    const store = new MemoryJobStore();
    const core = new CrawlJobCore(store, () => 1_000);
    core.start(config);
    core.passed('summaries', 'p1');
    core.passed('summaries', 'p1');
    core.passed('summaries', 'p2');
    core.passed('tagged', 'p1');
    const reloaded = new CrawlJobCore(store, () => 2_000);
    reloaded.passed('summaries', 'p2');
    reloaded.passed('vectors', 'p1');
    const counters = reloaded.status()?.counters;
    expect(counters?.summaries).toBe(2);
    expect(counters?.tagged).toBe(1);
    expect(counters?.vectors).toBe(1);
  });

  it('ignores passes for a job that never started', () => {
    const core = new CrawlJobCore(new MemoryJobStore(), () => 1_000);
    core.passed('summaries', 'p1');
    expect(core.status()).toBeUndefined();
  });
});
