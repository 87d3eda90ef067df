/**
 * Slash commands as bus events. The functions Worker verifies and defers each interaction, hands its
 * token to the access layer, and publishes one of these; the answer goes back as a `PostMessage` with
 * the same `interaction_urn`. The token itself never travels on the bus.
 */
import { z } from 'zod';
import { ForeignId, IsoTimestamp, UrnString } from '../identifiers.ts';
import { defineMessage } from '../message-definition.ts';

const SocialRefLite = z.object({ urn: UrnString, foreign_id: ForeignId, name: z.string().optional() });

/** What every interaction event carries: who asked, where, and the interaction to answer through. */
const interactionCore = {
  interaction_urn: UrnString,
  user: SocialRefLite,
  channel: SocialRefLite,
  space: SocialRefLite.optional(),
  locale: z.string().optional(),
  received_at: IsoTimestamp,
};

export const InteractionAsk = defineMessage({
  intent: 'interaction.ask',
  area: 'events',
  description: '/ask: the reply agent answers the question as a follow-up to the interaction.',
  payload: z.object({ ...interactionCore, question: z.string().min(1).max(2000) }),
});

export const InteractionSearch = defineMessage({
  intent: 'interaction.search',
  area: 'events',
  description:
    "/search: semantic search over the tenant's indexed messages, or its crawled web pages, answered ephemerally.",
  payload: z.object({
    ...interactionCore,
    query: z.string().min(1).max(500),
    limit: z.number().int().min(1).max(10).default(5),
    /** web: the tenant's crawled pages (`web_summaries`), where the tenant allows it (search agent's `web_search`). */
    source: z.enum(['messages', 'web']).default('messages'),
  }),
});

export const InteractionBackfill = defineMessage({
  intent: 'interaction.backfill',
  area: 'events',
  description: '/backfill: start a backfill of a channel; progress edits the follow-up.',
  payload: z.object({
    ...interactionCore,
    target_channel: SocialRefLite,
    limit: z.number().int().positive().max(1_000_000).optional(),
  }),
});

export const InteractionVoice = defineMessage({
  intent: 'interaction.voice',
  area: 'events',
  description: '/voice join or leave: ask the voice host to join or leave a voice channel.',
  payload: z.object({
    ...interactionCore,
    action: z.enum(['join', 'leave']),
    voice_channel: SocialRefLite.optional(),
  }),
});

export const InteractionStatus = defineMessage({
  intent: 'interaction.status',
  area: 'events',
  description: '/status: gateway, REST buckets, queue and dead-letter depths, answered ephemerally.',
  payload: z.object({ ...interactionCore }),
});
