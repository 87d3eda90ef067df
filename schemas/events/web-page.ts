/**
 * The crawl graph's page events: the web-crawler stored a page (the summary pass starts), and the
 * web-summarizer stored its summary (the tag pass and the Chroma vector follow). Both name the page by
 * id and content hash, so a pass finds exactly the text it was told about and a redelivery writes nothing.
 */
import { z } from 'zod';
import { defineMessage } from '../message-definition.ts';

/** The page a pass works on: its graph id, its canonical URL and the hash of the text that was stored. */
export const WebPageRef = z
  .object({
    /** The crawl job that stored the page: its counters count the passes. Absent for a reconcile. */
    job_id: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/)
      .optional(),
    page_id: z.string().regex(/^p[0-9a-f]{32}$/),
    url: z.string().min(1).max(4096),
    content_sha256: z.string().regex(/^[0-9a-f]{64}$/),
    /** The crawl's fetch time: the version of every slot the passes write. */
    fetched_at: z.string().min(1),
  })
  .strict();
export type WebPageRef = z.infer<typeof WebPageRef>;

export const WebPageStored = defineMessage({
  intent: 'web.page.stored',
  area: 'events',
  description:
    'The web-crawler stored a page (text and edges) in the graph; the web-summarizer summarizes it. Sent at least once.',
  payload: WebPageRef,
});

export const WebPageSummarized = defineMessage({
  intent: 'web.page.summarized',
  area: 'events',
  description:
    "The web-summarizer stored a page's summary; the web-tagger tags it and writes its web_summaries vector. Sent at least once.",
  payload: WebPageRef,
});
