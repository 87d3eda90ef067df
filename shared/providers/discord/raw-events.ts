/** Discord gateway dispatch payloads this platform reads, as zod shapes (only the fields used; the rest passes). */
import { z } from 'zod';

const Snowflake = z.string().regex(/^\d{1,20}$/, 'a Discord snowflake');

export const RawUser = z.looseObject({
  id: Snowflake,
  username: z.string(),
  global_name: z.string().nullable().optional(),
  bot: z.boolean().optional(),
});

export const RawAttachment = z.looseObject({
  id: Snowflake,
  filename: z.string(),
  size: z.number().int().nonnegative(),
  url: z.url(),
  content_type: z.string().optional(),
});

export const RawMessageCreate = z.looseObject({
  id: Snowflake,
  channel_id: Snowflake,
  guild_id: Snowflake.optional(),
  author: RawUser,
  content: z.string(),
  timestamp: z.iso.datetime({ offset: true }),
  edited_timestamp: z.iso.datetime({ offset: true }).nullable().optional(),
  mentions: z.array(RawUser).default([]),
  mention_roles: z.array(Snowflake).default([]),
  mention_everyone: z.boolean().default(false),
  attachments: z.array(RawAttachment).default([]),
  message_reference: z.looseObject({ message_id: Snowflake.optional() }).optional(),
});
export type RawMessageCreate = z.infer<typeof RawMessageCreate>;

/** MESSAGE_UPDATE may be partial: only id and channel_id are certain. */
export const RawMessageUpdate = RawMessageCreate.partial().extend({ id: Snowflake, channel_id: Snowflake });
export type RawMessageUpdate = z.infer<typeof RawMessageUpdate>;

export const RawMessageDelete = z.looseObject({
  id: Snowflake,
  channel_id: Snowflake,
  guild_id: Snowflake.optional(),
});
export type RawMessageDelete = z.infer<typeof RawMessageDelete>;
