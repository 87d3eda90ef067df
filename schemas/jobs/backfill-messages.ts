/** Backfill jobs: walk a channel's history page by page; the cursor travels with the messages. */
import { z } from 'zod';
import { ForeignId, UrnString } from '../identifiers.ts';
import { defineMessage } from '../message-definition.ts';

const jobRef = {
  job_id: z.string().min(1),
  channel: z.object({ urn: UrnString, foreign_id: ForeignId }),
};

const counts = {
  pages: z.number().int().nonnegative(),
  fetched: z.number().int().nonnegative(),
  upserted: z.number().int().nonnegative(),
};

export const BackfillEnqueue = defineMessage({
  intent: 'jobs.backfill.messages.enqueue',
  area: 'jobs',
  description: 'Start or continue a backfill; `before` is the cursor (oldest message id already seen).',
  payload: z.object({
    ...jobRef,
    limit: z.number().int().positive().max(1_000_000).optional(),
    page_size: z.number().int().min(1).max(100).default(100),
    before: ForeignId.optional(),
    progress: z.object(counts).optional(),
  }),
});

export const BackfillProgress = defineMessage({
  intent: 'jobs.backfill.messages.progress',
  area: 'jobs',
  description: 'A page of a backfill was stored.',
  payload: z.object({ ...jobRef, ...counts, cursor: ForeignId.optional() }),
});

export const BackfillDone = defineMessage({
  intent: 'jobs.backfill.messages.done',
  area: 'jobs',
  description: 'A backfill reached the start of the channel or its limit.',
  payload: z.object({ ...jobRef, ...counts }),
});

export const BackfillError = defineMessage({
  intent: 'jobs.backfill.messages.error',
  area: 'jobs',
  description: 'A backfill stopped; retriable errors are retried before this is published.',
  payload: z.object({
    ...jobRef,
    ...counts,
    message: z.string(),
    retriable: z.boolean(),
    status: z.number().int().optional(),
  }),
});
