/** Provider REST calls over the bus: a request and its response share a `corr`. */
import { z } from 'zod';
import { UrnString } from '../identifiers.ts';
import { defineMessage } from '../message-definition.ts';

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
  }),
});
