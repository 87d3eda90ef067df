/** Backfill jobs: walk a channel's history page by page; the cursor travels with the messages. */
import { z } from 'zod';
import { SocialMessageCreated } from '../events/social-message.ts';
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
    /**
     * Stop bound: the job ends once it reaches this message, which is not fetched again (a gateway
     * catch-up after a new session walks down to the last message it saw live).
     */
    after: ForeignId.optional(),
    progress: z.object(counts).optional(),
    /** The space (guild) of the channel, when known; carried to the normalizer. */
    space_id: ForeignId.optional(),
    /** When the job was started by a slash command, its progress edits that interaction's answer. */
    interaction_urn: UrnString.optional(),
    /** Retries of this page after a failed answer; bounded by the backfill agent's settings. */
    attempt: z.number().int().min(0).max(100).default(0),
  }),
});

export const BackfillProgress = defineMessage({
  intent: 'jobs.backfill.messages.progress',
  area: 'jobs',
  description: 'A page of a backfill was stored.',
  payload: z.object({ ...jobRef, ...counts, cursor: ForeignId.optional() }),
});

export const SocialMessagesBackfilled = defineMessage({
  intent: 'SocialMessagesBackfilled',
  area: 'events',
  description:
    'Part of a backfilled page of messages; indexed and embedded like live messages, in one batch per event.',
  payload: z.object({
    ...jobRef,
    page: z.number().int().nonnegative(),
    part: z.number().int().nonnegative(),
    messages: z.array(SocialMessageCreated.payload).min(1).max(100),
  }),
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
