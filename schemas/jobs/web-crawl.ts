/** Web crawl jobs: one frontier item per message, sent by the job's Durable Object, crawled by web-crawler. */
import { z } from 'zod';
import { defineMessage } from '../message-definition.ts';

/** One unit of frontier work. */
export const FrontierItem = z
  .object({
    kind: z.enum(['page', 'sitemap', 'robots']),
    url: z.string().max(4096),
    depth: z.number().int().min(0),
    via: z.enum(['seed', 'link', 'sitemap', 'redirect']),
    /** Redirect hops behind this item. */
    hops: z.number().int().min(0).default(0),
    /** The page that linked here (its id), for the graph. */
    from: z.string().optional(),
  })
  .strict();
export type FrontierItem = z.infer<typeof FrontierItem>;

export const CrawlFrontier = defineMessage({
  intent: 'jobs.web.crawl.frontier',
  area: 'jobs',
  description:
    'A frontier item of a crawl job: claimed from the job, crawled politely, reported back with its links. Sent at least once.',
  payload: z
    .object({
      job_id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/),
      /** `<kind>:<canonical url>`: the job's dedupe key for the item. */
      key: z.string().min(1).max(4200),
      item: FrontierItem,
    })
    .strict(),
});
