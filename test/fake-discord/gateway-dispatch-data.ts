/** Dispatch payloads shaped like discord-api-types', and the intent each needs on a session. */
import type {
  APIMessage,
  APIUser,
  GatewayMessageCreateDispatchData,
  GatewayMessageDeleteDispatchData,
  GatewayMessageUpdateDispatchData,
  GatewayVoiceServerUpdateDispatchData,
  GatewayVoiceStateUpdateDispatchData,
  GuildMemberFlags,
} from 'discord-api-types/v10';
import { ChannelType, GatewayIntentBits } from 'discord-api-types/v10';
import type { GatewaySession } from './gateway-session.ts';

/** MESSAGE_CREATE data for a stored message, with the guild member Discord adds in guilds. */
export function messageCreateData(message: APIMessage, guildId?: string): GatewayMessageCreateDispatchData {
  return {
    ...message,
    mentions: message.mentions,
    ...(guildId === undefined
      ? {}
      : {
          guild_id: guildId,
          channel_type: ChannelType.GuildText,
          // No member flags set; the enum has no name for zero.
          member: {
            roles: [],
            joined_at: message.timestamp,
            deaf: false,
            mute: false,
            flags: 0 as GuildMemberFlags,
          },
        }),
  };
}

/** MESSAGE_UPDATE data (Discord sends the full updated message). */
export function messageUpdateData(message: APIMessage, guildId?: string): GatewayMessageUpdateDispatchData {
  return messageCreateData(message, guildId);
}

/** VOICE_STATE_UPDATE data for a user joining (or leaving, with a null channel) a voice channel. */
export function voiceStateData(init: {
  guildId: string;
  channelId: string | null;
  userId: string;
  sessionId: string;
  selfMute: boolean;
  selfDeaf: boolean;
}): GatewayVoiceStateUpdateDispatchData {
  return {
    guild_id: init.guildId,
    channel_id: init.channelId,
    user_id: init.userId,
    session_id: init.sessionId,
    deaf: false,
    mute: false,
    self_deaf: init.selfDeaf,
    self_mute: init.selfMute,
    self_video: false,
    suppress: false,
    request_to_speak_timestamp: null,
  };
}

/** VOICE_SERVER_UPDATE data: where and with what token the voice connection is made. */
export function voiceServerData(
  guildId: string,
  token: string,
  endpoint: string,
): GatewayVoiceServerUpdateDispatchData {
  return { token, guild_id: guildId, endpoint };
}

/** Whether a session receives message events for a channel in a guild (or a DM). */
export function wantsMessages(session: GatewaySession, guildId: string | undefined): boolean {
  const needed = guildId === undefined ? GatewayIntentBits.DirectMessages : GatewayIntentBits.GuildMessages;
  return (session.intents & needed) !== 0;
}

/**
 * Without MESSAGE_CONTENT, Discord blanks content, embeds, attachments, components and polls of
 * guild messages unless the bot wrote them or is mentioned in them.
 */
export function forSession<T extends GatewayMessageCreateDispatchData | GatewayMessageUpdateDispatchData>(
  session: GatewaySession,
  data: T,
): T {
  if ((session.intents & GatewayIntentBits.MessageContent) !== 0 || data.guild_id === undefined) return data;
  const botId = session.bot.botUserId;
  if (data.author?.id === botId || data.mentions?.some((u: APIUser) => u.id === botId)) return data;
  return { ...data, content: '', embeds: [], attachments: [], components: [], poll: undefined };
}

/** MESSAGE_DELETE data. */
export function messageDeleteData(
  id: string,
  channelId: string,
  guildId?: string,
): GatewayMessageDeleteDispatchData {
  return { id, channel_id: channelId, ...(guildId === undefined ? {} : { guild_id: guildId }) };
}
