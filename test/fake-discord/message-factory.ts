/** Builds users and messages shaped like Discord's (discord-api-types `APIUser`, `APIMessage`). */
import type { APIEmbed, APIMessage, APIUser } from 'discord-api-types/v10';
import { MessageType } from 'discord-api-types/v10';

/** A bot the fake knows: who it is and which application it belongs to. */
export interface BotIdentity {
  botUserId: string;
  applicationId: string;
  username?: string;
}

/** What a message is made from; everything else gets Discord's defaults. */
export interface MessageInit {
  id: string;
  channelId: string;
  author: APIUser;
  timestampMs: number;
  content?: string;
  embeds?: unknown[];
  components?: unknown[];
  flags?: number;
  tts?: boolean;
  nonce?: string | number;
  allowedMentions?: unknown;
  webhookId?: string;
  applicationId?: string;
  type?: MessageType;
}

/** Discord's timestamp format: ISO 8601 with microseconds and an explicit offset. */
export function discordTimestamp(epochMs: number): string {
  return new Date(epochMs).toISOString().replace('Z', '000+00:00');
}

/** The user object of a bot. */
export function botUser(bot: BotIdentity): APIUser {
  return {
    id: bot.botUserId,
    username: bot.username ?? `fake-bot-${bot.botUserId.slice(-4)}`,
    discriminator: '0000',
    global_name: null,
    avatar: null,
    bot: true,
  };
}

/** A plain user with a deterministic name, for seeded history and gateway-injected messages. */
export function plainUser(id: string, username = `user-${id.slice(-6)}`): APIUser {
  return { id, username, discriminator: '0', global_name: username, avatar: null };
}

function allowedList(allowed: unknown, key: 'parse' | 'users'): unknown[] | undefined {
  if (typeof allowed !== 'object' || allowed === null) return undefined;
  const value = (allowed as Record<string, unknown>)[key];
  return Array.isArray(value) ? value : undefined;
}

/** Whether `@everyone`/`@here` pings: only when allowed_mentions is absent or parses `everyone`. */
function pingsEveryone(content: string, allowed: unknown): boolean {
  if (!/@(everyone|here)\b/.test(content)) return false;
  return (
    allowed === undefined ||
    allowed === null ||
    (allowedList(allowed, 'parse')?.includes('everyone') ?? false)
  );
}

/** The users a message pings, after allowed_mentions filters them (as Discord resolves them). */
function pingedUsers(content: string, allowed: unknown): APIUser[] {
  const ids = [...content.matchAll(/<@!?(\d+)>/g)].map((m) => m[1] ?? '');
  const open = allowed === undefined || allowed === null || allowedList(allowed, 'parse')?.includes('users');
  const listed = allowedList(allowed, 'users') ?? [];
  return [...new Set(ids)].filter((id) => open || listed.includes(id)).map((id) => plainUser(id));
}

/** A message as Discord returns it from REST and sends it in MESSAGE_CREATE. */
export function buildMessage(init: MessageInit): APIMessage {
  const content = init.content ?? '';
  return {
    id: init.id,
    type: init.type ?? MessageType.Default,
    channel_id: init.channelId,
    author: init.author,
    content,
    timestamp: discordTimestamp(init.timestampMs),
    edited_timestamp: null,
    tts: init.tts ?? false,
    mention_everyone: pingsEveryone(content, init.allowedMentions),
    mentions: pingedUsers(content, init.allowedMentions),
    mention_roles: [],
    attachments: [],
    embeds: (init.embeds ?? []) as APIEmbed[],
    components: (init.components ?? []) as APIMessage['components'],
    pinned: false,
    flags: init.flags ?? 0,
    ...(init.nonce === undefined ? {} : { nonce: init.nonce }),
    ...(init.webhookId === undefined ? {} : { webhook_id: init.webhookId }),
    ...(init.applicationId === undefined ? {} : { application_id: init.applicationId }),
  };
}

/** Applies a PATCH body to a message; only the fields the body names change. */
export function editMessage(
  message: APIMessage,
  body: Record<string, unknown>,
  editedAtMs: number,
): APIMessage {
  const next: APIMessage = { ...message, edited_timestamp: discordTimestamp(editedAtMs) };
  if (typeof body.content === 'string' || body.content === null) {
    next.content = body.content ?? '';
    next.mention_everyone = pingsEveryone(next.content, body.allowed_mentions);
    next.mentions = pingedUsers(next.content, body.allowed_mentions);
  }
  if (Array.isArray(body.embeds)) next.embeds = body.embeds as APIEmbed[];
  if (Array.isArray(body.components)) next.components = body.components as APIMessage['components'];
  if (typeof body.flags === 'number') next.flags = body.flags;
  return next;
}
