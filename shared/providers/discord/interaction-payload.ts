/**
 * Discord's interaction payloads as they arrive at the Interactions Endpoint URL
 * (https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-object), as
 * zod shapes: only the fields this platform reads are checked, the rest passes through.
 */
import { z } from 'zod';

const Snowflake = z.string().regex(/^\d{1,20}$/, 'a Discord snowflake');

/** Interaction types (https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-object-interaction-type). */
export const INTERACTION_TYPE = {
  ping: 1,
  applicationCommand: 2,
  messageComponent: 3,
  autocomplete: 4,
  modalSubmit: 5,
} as const;

/** Application command option types (https://discord.com/developers/docs/interactions/application-commands#application-command-object-application-command-option-type). */
export const OPTION_TYPE = {
  subcommand: 1,
  subcommandGroup: 2,
  string: 3,
  integer: 4,
  boolean: 5,
  user: 6,
  channel: 7,
  role: 8,
  mentionable: 9,
  number: 10,
  attachment: 11,
} as const;

/** Channel types (https://discord.com/developers/docs/resources/channel#channel-object-channel-types). */
export const CHANNEL_TYPE = {
  guildText: 0,
  dm: 1,
  guildVoice: 2,
  groupDm: 3,
  guildAnnouncement: 5,
  announcementThread: 10,
  publicThread: 11,
  privateThread: 12,
  guildStageVoice: 13,
} as const;

export const RawInteractionUser = z.looseObject({
  id: Snowflake,
  username: z.string(),
  global_name: z.string().nullable().optional(),
});

export const RawInteractionChannel = z.looseObject({
  id: Snowflake,
  type: z.number().int(),
  name: z.string().nullable().optional(),
});

/** A command option; subcommands nest their own options. */
export interface RawCommandOption {
  name: string;
  type: number;
  value?: string | number | boolean | undefined;
  options?: RawCommandOption[] | undefined;
  focused?: boolean | undefined;
}
export const RawCommandOption: z.ZodType<RawCommandOption> = z.looseObject({
  name: z.string().min(1).max(32),
  type: z.number().int(),
  value: z.union([z.string(), z.number(), z.boolean()]).optional(),
  options: z.lazy(() => z.array(RawCommandOption).max(25)).optional(),
  focused: z.boolean().optional(),
});

export const RawCommandData = z.looseObject({
  id: Snowflake,
  name: z.string().min(1).max(32),
  type: z.number().int().default(1),
  options: z.array(RawCommandOption).max(25).default([]),
  resolved: z
    .looseObject({
      channels: z.record(Snowflake, RawInteractionChannel).optional(),
      users: z.record(Snowflake, RawInteractionUser).optional(),
    })
    .optional(),
});

/** Every interaction: a PING has only id, application_id, type, token and version. */
export const RawInteraction = z.looseObject({
  id: Snowflake,
  application_id: Snowflake,
  type: z.number().int(),
  token: z.string().min(1).max(500),
  version: z.number().int().optional(),
  data: z.unknown().optional(),
  guild_id: Snowflake.optional(),
  channel_id: Snowflake.optional(),
  channel: RawInteractionChannel.optional(),
  member: z.looseObject({ user: RawInteractionUser }).optional(),
  user: RawInteractionUser.optional(),
  locale: z.string().optional(),
});
export type RawInteraction = z.infer<typeof RawInteraction>;
