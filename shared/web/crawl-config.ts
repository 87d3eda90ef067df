/** A crawl job's configuration: one zod schema, parsed at every boundary (admin route, CLI, queue message). */
import { z } from 'zod';

export const CRAWLER_USER_AGENT =
  'PrometheanBot/0.1 (+https://github.com/promethean-edge; crawler of the Duck agent)';

export const TrapLimits = z
  .object({
    /** Pages per date-shaped path template (`/calendar/{y}/{m}`): calendars are infinite. */
    date_template_pages: z.number().int().min(1).default(12),
    /** Distinct query strings per path: unbounded parameters. */
    query_variants_per_path: z.number().int().min(1).default(10),
    /** Redirect hops followed from one link: loops end here or at the frontier's dedupe. */
    redirect_chain: z.number().int().min(0).max(10).default(5),
    /** Path segments in a URL: deeper paths are almost always generated. */
    path_segments: z.number().int().min(1).default(12),
  })
  .strict();

export const CrawlJobConfig = z
  .object({
    job_id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/),
    provider: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/),
    tenant: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/),
    seeds: z.array(z.url()).min(1).max(1000),
    max_pages: z.number().int().min(1).max(1_000_000).default(1000),
    max_depth: z.number().int().min(0).max(100).default(5),
    /** Requests per second for the whole job, all hosts together. */
    qps: z.number().positive().max(1000).default(5),
    /** Requests per second to one host when robots.txt names no crawl-delay. */
    host_qps: z.number().positive().max(100).default(1),
    /** Hosts (and their subdomains) the crawl may enter; empty: the seeds' hosts. */
    allow_domains: z.array(z.string().min(1)).default([]),
    /** Regular expressions (sources) over canonical URLs that are never crawled. */
    deny: z.array(z.string().max(500)).default([]),
    honour_noindex: z.boolean().default(true),
    honour_nofollow: z.boolean().default(true),
    use_sitemaps: z.boolean().default(true),
    /** A page crawled more recently than this is not fetched again (validators revalidate after). */
    max_age_s: z.number().int().min(0).default(86_400),
    user_agent: z.string().min(1).max(300).default(CRAWLER_USER_AGENT),
    /** Run the summary and tag passes. */
    passes: z.boolean().default(true),
    traps: TrapLimits.default({
      date_template_pages: 12,
      query_variants_per_path: 10,
      redirect_chain: 5,
      path_segments: 12,
    }),
  })
  .strict();
export type CrawlJobConfig = z.infer<typeof CrawlJobConfig>;
export type CrawlJobInput = z.input<typeof CrawlJobConfig>;

// The frontier item is a bus payload too (jobs.web.crawl.frontier), so its schema lives with the messages.
export { FrontierItem } from '@promethean/schemas/jobs/web-crawl';
