/**
 * A tenant's web crawls for the status page: the newest jobs from the tenant's job index, each with its
 * live figures from its CrawlJob object and the state of the hosts it entered from their CrawlHost objects.
 */
import type { DocumentStore } from '@promethean/shared/effects/document-store';
import type { HostSnapshot } from '../agents/web-crawler/crawl-host.ts';
import type { JobStatus } from '../agents/web-crawler/crawl-job-core.ts';
import { type IndexedCrawlJob, recentCrawlJobs } from '../agents/web-crawler/crawl-job-index.ts';
import { crawlJobName } from '../agents/web-crawler/durable-object-crawl.ts';

/** Jobs shown per tenant, and hosts shown per job. */
export const CRAWL_JOBS_SHOWN = 5;
export const CRAWL_HOSTS_SHOWN = 10;

export interface CrawlJobView {
  job: IndexedCrawlJob;
  /** Undefined when the job's object has no state (a start that failed after it was listed). */
  status: JobStatus | undefined;
  hosts: HostSnapshot[];
  /** Hosts the job entered beyond those shown. */
  more_hosts: number;
}

export async function readCrawlJobs(
  env: FunctionsEnv,
  scope: { provider: string; tenant: string },
  documents: DocumentStore,
): Promise<CrawlJobView[]> {
  const jobs = await recentCrawlJobs(documents, CRAWL_JOBS_SHOWN);
  return Promise.all(
    jobs.map(async (job) => {
      const jobs = env.CRAWL_JOBS;
      // RPC results carry a Disposable brand; the page keeps plain values.
      const status: JobStatus | undefined = await jobs
        .get(jobs.idFromName(crawlJobName(scope.provider, scope.tenant, job.job_id)))
        .status();
      const origins = status?.origins ?? [];
      const hostsNs = env.CRAWL_HOSTS;
      const hosts: Array<HostSnapshot | undefined> = await Promise.all(
        origins
          .slice(0, CRAWL_HOSTS_SHOWN)
          .map((o) => hostsNs.get(hostsNs.idFromName(o)).snapshot(o, status?.config.user_agent ?? '')),
      );
      return {
        job,
        status,
        hosts: hosts.filter((h): h is HostSnapshot => h !== undefined),
        more_hosts: Math.max(0, origins.length - CRAWL_HOSTS_SHOWN),
      };
    }),
  );
}
