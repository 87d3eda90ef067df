/** Provider REST calls over the bus: a request and its response share a `corr`. */
import { z } from 'zod';
import { SocialMessageCreated } from '../events/social-message.ts';
import { ForeignId, UrnString } from '../identifiers.ts';
import { defineMessage } from '../message-definition.ts';

/**
 * Asks the access layer to also answer with the provider's result as normalized messages (workers may
 * not parse provider shapes). The raw data is then left out, so a page fits in one queue message.
 */
export const NormalizeRequest = z.object({
  kind: z.literal('messages'),
  /** The space (guild) the channel belongs to; provider message lists often omit it. */
  space_id: ForeignId.optional(),
});

/** A normalized answer: the listed messages as SocialMessageCreated payloads (no provider_payload). */
export const NormalizedMessages = z.object({
  kind: z.literal('messages'),
  messages: z.array(SocialMessageCreated.payload).max(100),
});

export const HttpMethod = z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);

export const RestRequest = defineMessage({
  intent: 'rest.request',
  area: 'rest',
  description:
    'Call a provider REST route through the tenant access layer; answered by rest.response on corr.',
  payload: z.object({
    method: HttpMethod,
    /** A route template from the provider's API, e.g. `/channels/{channel_id}/messages`. */
    route: z.string().regex(/^\/[A-Za-z0-9_{}\-/.@]*$/, 'must be a route template starting with /'),
    params: z.record(z.string(), z.string()).default({}),
    query: z.record(z.string(), z.string()).optional(),
    body: z.unknown().optional(),
    idempotency_key: z.string().max(300).optional(),
    timeout_ms: z.number().int().positive().max(120_000).optional(),
    interaction_urn: UrnString.optional(),
    normalize: NormalizeRequest.optional(),
  }),
});

export const RestResponse = defineMessage({
  intent: 'rest.response',
  area: 'rest',
  description: 'The outcome of a rest.request (same corr).',
  payload: z.object({
    ok: z.boolean(),
    status: z.number().int(),
    bucket: z.string().nullable(),
    retry_after_ms: z.number().nonnegative().nullable(),
    data: z.unknown(),
    error: z.object({ code: z.string(), message: z.string() }).optional(),
    normalized: NormalizedMessages.optional(),
    /** Set when one answer is split over several messages to stay under the queue's size limit. */
    part: z.object({ index: z.number().int().nonnegative(), count: z.number().int().positive() }).optional(),
    /** The whole page a list answer covered (every part carries it): how many items, oldest and newest id. */
    page: z
      .object({
        count: z.number().int().nonnegative(),
        oldest_id: ForeignId.optional(),
        newest_id: ForeignId.optional(),
      })
      .optional(),
  }),
});
