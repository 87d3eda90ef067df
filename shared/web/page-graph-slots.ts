/**
 * The slot payloads of the crawl graph's documents, as zod schemas: what `pages` and `edges` hold
 * (written by `page-graph.ts` and the summary and tag passes). The data contracts are derived from them.
 */
import { z } from 'zod';

const isoTime = z.string().min(1);

export const PageFirstSeenSlot = z.object({ at: isoTime, job_id: z.string().min(1) });

export const PageCrawlSlot = z.object({
  url: z.string().min(1),
  status: z.number().int(),
  media_type: z.string(),
  charset: z.string(),
  bytes: z.number().int().nonnegative(),
  etag: z.string().optional(),
  last_modified: z.string().optional(),
  fetched_at: isoTime,
  elapsed_ms: z.number().nonnegative(),
  content_sha256: z.string().regex(/^[0-9a-f]{64}$/),
  simhash: z.string().regex(/^[0-9a-f]{16}$/),
  lead: z.string(),
  title: z.string(),
  lang: z.string().optional(),
  description: z.string().optional(),
  text: z.string().max(32_000),
  out_links: z.number().int().nonnegative(),
  noindex: z.boolean(),
  job_id: z.string().min(1),
});

export const PageSummarySlot = z.object({
  text: z.string(),
  tokens: z.number().int().nonnegative(),
  model: z.string(),
  offline: z.boolean(),
  prompt: z.string(),
  /** The crawl text it was made from: a redelivered pass for the same text writes nothing. */
  content_sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
});

/** Tags keep their `#` in documents (Chroma metadata holds them without it). */
export const PageTagsSlot = z.object({
  // 3–12 as a rule; a page too short to give three distinct words gets fewer.
  tags: z.array(z.string().regex(/^#[a-z0-9]+(-[a-z0-9]+)*$/)).max(12),
  model: z.string(),
  offline: z.boolean(),
  prompt: z.string(),
  content_sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
});

/** Written by the web-tagger after the page's `web_summaries` vector: that text's vector is in Chroma. */
export const PageVectorSlot = z.object({
  content_sha256: z.string().regex(/^[0-9a-f]{64}$/),
  model: z.string(),
  dimension: z.number().int().positive(),
});

export const EdgeLinkSlot = z.object({
  from_url: z.string().min(1),
  to_url: z.string().min(1),
  anchor: z.string().max(200),
  nofollow: z.boolean(),
  kind: z.enum(['link', 'redirect']),
});

export const EdgeSeenSlot = z.object({ at: isoTime });

export const PageSlotSchemas = {
  first_seen: PageFirstSeenSlot,
  crawl: PageCrawlSlot,
  summary: PageSummarySlot,
  tags: PageTagsSlot,
  vector: PageVectorSlot,
} as const;

export const EdgeSlotSchemas = { link: EdgeLinkSlot, seen: EdgeSeenSlot } as const;

export type SummarySlot = z.infer<typeof PageSummarySlot>;
export type TagsSlot = z.infer<typeof PageTagsSlot>;
export type VectorSlot = z.infer<typeof PageVectorSlot>;
