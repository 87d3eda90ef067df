/** Normalized message events: what every provider's chat message becomes on the bus. */
import { z } from 'zod';
import { ForeignId, IsoTimestamp, UrnString } from '../identifiers.ts';
import { defineMessage } from '../message-definition.ts';
import { VoiceTiming } from '../voice/voice-messages.ts';

export const SocialRef = z.object({ urn: UrnString, foreign_id: ForeignId, name: z.string().optional() });
export type SocialRef = z.infer<typeof SocialRef>;

export const SocialAuthor = SocialRef.extend({ bot: z.boolean().default(false) });

export const SocialAttachment = z.object({
  urn: UrnString,
  foreign_id: ForeignId,
  url: z.url(),
  filename: z.string().min(1),
  content_type: z.string().optional(),
  size: z.number().int().nonnegative(),
});
export type SocialAttachment = z.infer<typeof SocialAttachment>;

export const SocialMentions = z.object({
  users: z.array(ForeignId).default([]),
  roles: z.array(ForeignId).default([]),
  everyone: z.boolean().default(false),
  /** True when the message addresses the agent's own account. */
  bot: z.boolean().default(false),
});

const messageCore = {
  urn: UrnString,
  foreign_id: ForeignId,
  channel: SocialRef,
  space: SocialRef.optional().describe('the guild / community; absent for direct messages'),
  is_direct: z.boolean().default(false),
  /** The raw provider event, for provider-specific needs; workers must not depend on its shape. */
  provider_payload: z.unknown().optional(),
};

export const SocialMessageCreated = defineMessage({
  intent: 'SocialMessageCreated',
  area: 'events',
  description: 'A message was posted (live or backfilled).',
  payload: z.object({
    ...messageCore,
    author: SocialAuthor,
    content: z.string(),
    created_at: IsoTimestamp,
    edited_at: IsoTimestamp.optional(),
    reply_to: ForeignId.optional(),
    attachments: z.array(SocialAttachment).default([]),
    mentions: SocialMentions.default({ users: [], roles: [], everyone: false, bot: false }),
  }),
});

export const SocialMessageUpdated = defineMessage({
  intent: 'SocialMessageUpdated',
  area: 'events',
  description: 'A message was edited; fields absent were not part of the edit.',
  payload: z.object({
    ...messageCore,
    author: SocialAuthor.optional(),
    content: z.string().optional(),
    edited_at: IsoTimestamp,
    attachments: z.array(SocialAttachment).optional(),
  }),
});

export const SocialMessageDeleted = defineMessage({
  intent: 'SocialMessageDeleted',
  area: 'events',
  description: 'A message was deleted.',
  payload: z.object({ ...messageCore, deleted_at: IsoTimestamp }),
});

export const ReplyMessage = defineMessage({
  intent: 'reply.message',
  area: 'events',
  description: 'The reply agent decided what to say (text or voice); PostMessage or TTS carries it out.',
  payload: z.object({
    reply_id: z.string().min(1),
    in_reply_to: UrnString.optional(),
    channel: SocialRef,
    text: z.string().min(1),
    mode: z.enum(['text', 'voice']),
    session_id: z.string().optional(),
    segment_id: z.string().optional(),
    offline: z.boolean(),
    /** Voice replies: the utterance's end of speech and the time each hop took so far. */
    timing: VoiceTiming.optional(),
  }),
});

export const RawProviderEvent = defineMessage({
  intent: 'raw.event',
  area: 'raw',
  description: 'A provider event as received, before normalization; payload.type is the provider event name.',
  payload: z.object({ type: z.string().min(1), seq: z.number().int().optional(), data: z.unknown() }),
});
