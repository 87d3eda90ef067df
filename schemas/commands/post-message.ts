/** The command that asks the access layer to post a message. */
import { z } from 'zod';
import { ForeignId, UrnString } from '../identifiers.ts';
import { defineMessage } from '../message-definition.ts';

/** Contract v1 of the PostMessage payload. */
export const PostMessageV1 = z.object({
  channel: z.object({ urn: UrnString.optional(), foreign_id: ForeignId }),
  content: z.string().min(1),
  reply_to: ForeignId.optional(),
  /** Users the message may ping; everything else (everyone, here, roles) never pings. */
  mention_users: z.array(ForeignId).max(100).default([]),
  idempotency_key: z.string().min(1).max(300),
  /** When set, the access layer answers through the interaction it holds the token for. */
  interaction_urn: UrnString.optional(),
  /**
   * How an interaction answer lands: `edit_original` replaces the deferred "thinking…" response
   * (repeatable, so progress can edit one message), later chunks following up; `followup` posts
   * every chunk as a new follow-up message. Ignored without `interaction_urn`.
   */
  interaction_response: z.enum(['edit_original', 'followup']).default('edit_original'),
  ephemeral: z.boolean().default(false),
});

/** Contract v2 adds `silent`; v1 producers and consumers keep working during the rollout. */
export const PostMessageV2 = PostMessageV1.extend({
  /** Post without a push notification (Discord's SUPPRESS_NOTIFICATIONS); channel messages only. */
  silent: z.boolean().optional(),
});

export const PostMessage = defineMessage({
  intent: 'PostMessage',
  area: 'commands',
  description: 'Post a message to a channel, optionally as a reply or as an interaction follow-up.',
  version: 2,
  earlier: { 1: PostMessageV1 },
  payload: PostMessageV2,
});
