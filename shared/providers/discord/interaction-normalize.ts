/**
 * Reads a verified Discord interaction into a provider-neutral `SlashCommandCall` (plus the token,
 * which stays in the access layer), and builds Discord's interaction responses.
 */
import type {
  ChannelKind,
  CommandOptionValue,
  SlashCommandCall,
  SocialRefLite,
} from '../../platform/slash-command.ts';
import { toUrn } from '../../platform/urns.ts';
import {
  CHANNEL_TYPE,
  INTERACTION_TYPE,
  OPTION_TYPE,
  RawCommandData,
  type RawCommandOption,
  RawInteraction,
} from './interaction-payload.ts';

/** What an interaction turned out to be. */
export type DiscordInteractionReading =
  | { kind: 'ping'; interaction_id: string }
  | {
      kind: 'command';
      call: SlashCommandCall;
      /** The interaction's credential: valid 15 minutes, held by RestBuckets, never on the bus. */
      credential: { application_id: string; token: string };
    }
  | { kind: 'unsupported'; interaction_id: string; message: string };

/** The body is not a Discord interaction at all (answered 400). */
export class MalformedInteractionError extends Error {
  override readonly name = 'MalformedInteractionError';
}

const EPHEMERAL = 1 << 6;

/** Discord's interaction responses (https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-response-object). */
export const discordResponses = {
  pong: () => ({ type: 1 }),
  /** Type 5: "Duck is thinking…", replaced later by `PATCH …/messages/@original`. */
  deferred: (ephemeral: boolean) => ({ type: 5, ...(ephemeral && { data: { flags: EPHEMERAL } }) }),
  /** Type 4 with the ephemeral flag: only the user who asked sees it; it never pings anyone. */
  ephemeralMessage: (content: string) => ({
    type: 4,
    data: { content, flags: EPHEMERAL, allowed_mentions: { parse: [] } },
  }),
};

function channelKind(type: number): ChannelKind {
  if (type === CHANNEL_TYPE.guildVoice || type === CHANNEL_TYPE.guildStageVoice) return 'voice';
  const texty: number[] = [
    CHANNEL_TYPE.guildText,
    CHANNEL_TYPE.guildAnnouncement,
    CHANNEL_TYPE.announcementThread,
    CHANNEL_TYPE.publicThread,
    CHANNEL_TYPE.privateThread,
  ];
  return texty.includes(type) ? 'text' : 'other';
}

function optionValues(
  options: readonly RawCommandOption[],
  data: ReturnType<typeof RawCommandData.parse>,
  ref: (kind: string, id: string, name?: string | null) => SocialRefLite,
): Record<string, CommandOptionValue> {
  const values: Record<string, CommandOptionValue> = {};
  for (const option of options) {
    if (option.value === undefined) continue;
    if (option.type === OPTION_TYPE.channel) {
      const id = String(option.value);
      const resolved = data.resolved?.channels?.[id];
      values[option.name] = {
        channel: ref('channel', id, resolved?.name),
        kind: resolved ? channelKind(resolved.type) : 'other',
      };
    } else {
      values[option.name] = option.value;
    }
  }
  return values;
}

function commandCall(raw: RawInteraction, tenant: string): DiscordInteractionReading {
  const parsedData = RawCommandData.safeParse(raw.data);
  if (!parsedData.success) throw new MalformedInteractionError('application command without valid data');
  const data = parsedData.data;
  const ref = (kind: string, id: string, name?: string | null): SocialRefLite => ({
    urn: toUrn({ provider: 'discord', kind, tenant, id }),
    foreign_id: id,
    ...(name ? { name } : {}),
  });
  const user = raw.member?.user ?? raw.user;
  const channelId = raw.channel?.id ?? raw.channel_id;
  if (!user || !channelId) throw new MalformedInteractionError('application command without user or channel');
  const first = data.options[0];
  const sub = first?.type === OPTION_TYPE.subcommand ? first : undefined;
  if (first?.type === OPTION_TYPE.subcommandGroup) {
    return {
      kind: 'unsupported',
      interaction_id: raw.id,
      message: `/${data.name} ${first.name}: subcommand groups are not supported`,
    };
  }
  const call: SlashCommandCall = {
    interaction_id: raw.id,
    interaction_urn: toUrn({ provider: 'discord', kind: 'interaction', tenant, id: raw.id }),
    command: data.name,
    ...(sub && { subcommand: sub.name }),
    options: optionValues(sub ? (sub.options ?? []) : data.options, data, ref),
    user: ref('user', user.id, user.global_name ?? user.username),
    channel: ref('channel', channelId, raw.channel?.name),
    ...(raw.guild_id !== undefined && { space: ref('guild', raw.guild_id) }),
    ...(raw.locale !== undefined && { locale: raw.locale }),
  };
  return { kind: 'command', call, credential: { application_id: raw.application_id, token: raw.token } };
}

/** Reads a parsed JSON body; throws `MalformedInteractionError` when it is not an interaction. */
export function readDiscordInteraction(json: unknown, tenant: string): DiscordInteractionReading {
  const parsed = RawInteraction.safeParse(json);
  if (!parsed.success) throw new MalformedInteractionError('not a Discord interaction');
  const raw = parsed.data;
  if (raw.type === INTERACTION_TYPE.ping) return { kind: 'ping', interaction_id: raw.id };
  if (raw.type !== INTERACTION_TYPE.applicationCommand) {
    return {
      kind: 'unsupported',
      interaction_id: raw.id,
      message: 'Duck answers slash commands only; this kind of interaction is not supported.',
    };
  }
  const data = RawCommandData.safeParse(raw.data);
  if (data.success && data.data.type !== 1) {
    return {
      kind: 'unsupported',
      interaction_id: raw.id,
      message: `/${data.data.name}: only chat-input commands are supported.`,
    };
  }
  return commandCall(raw, tenant);
}
