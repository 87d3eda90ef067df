/** Channels and their messages in memory, paged newest-first like Discord's GET channel messages. */
import type {
  APIGuildTextChannel,
  APIMessage,
  ChannelFlags,
  GuildTextChannelType,
} from 'discord-api-types/v10';
import { ChannelType } from 'discord-api-types/v10';
import { compareSnowflakes } from './snowflake.ts';

/** A channel the fake knows. */
export interface FakeChannel {
  id: string;
  guildId: string;
  name: string;
  topic: string | null;
  /** Oldest first, by id. */
  messages: APIMessage[];
}

/** GET /channels/{channel_id}/messages query, already validated against the spec. */
export interface MessagePageQuery {
  before?: string;
  after?: string;
  around?: string;
  limit?: number;
}

const EPHEMERAL = 1 << 6;

/** Discord's default page size for channel messages. */
export const DEFAULT_PAGE_LIMIT = 50;

/** Per-channel message lists kept sorted by snowflake. */
export class ChannelStore {
  readonly #channels = new Map<string, FakeChannel>();
  readonly #defaultGuildId: string;

  constructor(defaultGuildId: string) {
    this.#defaultGuildId = defaultGuildId;
  }

  /** The channel, created on first use in `guildId` (or the fake's default guild). */
  ensure(channelId: string, guildId?: string): FakeChannel {
    let channel = this.#channels.get(channelId);
    if (channel === undefined) {
      channel = {
        id: channelId,
        guildId: guildId ?? this.#defaultGuildId,
        name: `channel-${channelId.slice(-4)}`,
        topic: null,
        messages: [],
      };
      this.#channels.set(channelId, channel);
    }
    return channel;
  }

  /** The channel if it exists. */
  get(channelId: string): FakeChannel | undefined {
    return this.#channels.get(channelId);
  }

  /** Every channel. */
  all(): FakeChannel[] {
    return [...this.#channels.values()];
  }

  /** Stores a message in its channel, keeping id order. */
  insert(message: APIMessage): void {
    const list = this.ensure(message.channel_id).messages;
    const last = list.at(-1);
    if (last === undefined || compareSnowflakes(last.id, message.id) < 0) list.push(message);
    else {
      const at = list.findIndex((m) => compareSnowflakes(m.id, message.id) > 0);
      list.splice(at, 0, message);
    }
  }

  /** A stored message. */
  message(channelId: string, messageId: string): APIMessage | undefined {
    return this.#channels.get(channelId)?.messages.find((m) => m.id === messageId);
  }

  /** Replaces a stored message with its edited version. */
  replace(message: APIMessage): void {
    const list = this.#channels.get(message.channel_id)?.messages ?? [];
    const at = list.findIndex((m) => m.id === message.id);
    if (at !== -1) list[at] = message;
  }

  /** Removes a message; false when it was not there. */
  remove(channelId: string, messageId: string): boolean {
    const list = this.#channels.get(channelId)?.messages ?? [];
    const at = list.findIndex((m) => m.id === messageId);
    if (at === -1) return false;
    list.splice(at, 1);
    return true;
  }

  /**
   * One page, newest first: `before` gives the newest messages older than it, `after` the oldest
   * messages newer than it, `around` half each side (including it), none the newest `limit`.
   */
  page(channelId: string, query: MessagePageQuery): APIMessage[] {
    // Ephemeral interaction responses exist only for their user, never in channel history.
    const all = (this.#channels.get(channelId)?.messages ?? []).filter(
      (m) => ((m.flags ?? 0) & EPHEMERAL) === 0,
    );
    const limit = query.limit ?? DEFAULT_PAGE_LIMIT;
    let picked: APIMessage[];
    if (query.around !== undefined) {
      const around = query.around;
      const older = all.filter((m) => compareSnowflakes(m.id, around) < 0);
      const newer = all.filter((m) => compareSnowflakes(m.id, around) >= 0);
      const olderCount = Math.floor(limit / 2);
      picked = [
        ...older.slice(Math.max(0, older.length - olderCount)),
        ...newer.slice(0, limit - olderCount),
      ];
    } else if (query.before !== undefined) {
      const before = query.before;
      const older = all.filter((m) => compareSnowflakes(m.id, before) < 0);
      picked = older.slice(Math.max(0, older.length - limit));
    } else if (query.after !== undefined) {
      const after = query.after;
      picked = all.filter((m) => compareSnowflakes(m.id, after) > 0).slice(0, limit);
    } else {
      picked = all.slice(Math.max(0, all.length - limit));
    }
    return picked.reverse();
  }

  /** Renames a channel or changes its topic. */
  update(channelId: string, changes: { name?: string; topic?: string | null }): FakeChannel {
    const channel = this.ensure(channelId);
    if (changes.name !== undefined) channel.name = changes.name;
    if (changes.topic !== undefined) channel.topic = changes.topic;
    return channel;
  }

  /** The channel object GET /channels/{channel_id} returns (a guild text channel). */
  toApi(channel: FakeChannel): APIGuildTextChannel<GuildTextChannelType> {
    const last = channel.messages.at(-1);
    return {
      id: channel.id,
      type: ChannelType.GuildText,
      guild_id: channel.guildId,
      name: channel.name,
      topic: channel.topic,
      position: 0,
      permission_overwrites: [],
      nsfw: false,
      parent_id: null,
      rate_limit_per_user: 0,
      last_message_id: last?.id ?? null,
      last_pin_timestamp: null,
      // No channel flags set; the enum has no name for zero.
      flags: 0 as ChannelFlags,
    };
  }

  /** Messages per channel, for the inspection endpoint. */
  counts(): Record<string, number> {
    return Object.fromEntries(this.all().map((c) => [c.id, c.messages.length]));
  }

  /** Forgets every channel. */
  reset(): void {
    this.#channels.clear();
  }
}
