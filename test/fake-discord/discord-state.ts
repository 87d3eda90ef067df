/** The fake's in-memory Discord: channels, messages, commands, interactions, and what was asked of it. */
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { APIMessage, APIUser } from 'discord-api-types/v10';
import { ChannelStore } from './channel-store.ts';
import { CommandRegistry } from './command-registry.ts';
import type { FakeInteraction, InteractionInit } from './interaction-registry.ts';
import { InteractionRegistry } from './interaction-registry.ts';
import type { InvalidRequestSnapshot } from './invalid-request-counter.ts';
import { InvalidRequestCounter } from './invalid-request-counter.ts';
import type { BotIdentity, MessageInit } from './message-factory.ts';
import { buildMessage, editMessage, plainUser } from './message-factory.ts';
import type { RecordedRequest, RequestFilter } from './request-log.ts';
import { RequestLog } from './request-log.ts';
import { SnowflakeGenerator } from './snowflake.ts';

/** Message changes, which the gateway echoes as MESSAGE_* dispatches (Discord sends bots their own). */
export interface StateEvents {
  messageCreate: [message: APIMessage, guildId: string];
  messageUpdate: [message: APIMessage, guildId: string];
  messageDelete: [data: { id: string; channel_id: string; guild_id: string }];
}

/** Options for `seedChannel`. */
export interface SeedChannelOptions {
  guildId?: string;
  /** How many history messages to generate (one a minute, ending just before now). */
  messages?: number;
  name?: string;
}

/** What `GET /__fake/state` answers. */
export interface StateSnapshot {
  requests_total: number;
  requests_by_route: Record<string, number>;
  messages_per_channel: Record<string, number>;
  rate_limited: number;
  interactions: number;
}

/** A deterministic 18-digit snowflake-shaped id for a label, so runs with one seed agree. */
export function seededId(seed: string, label: string): string {
  const hex = createHash('sha256').update(`${seed}:${label}`).digest('hex').slice(0, 14);
  return ((BigInt(`0x${hex}`) % 900_000_000_000_000_000n) + 100_000_000_000_000_000n).toString();
}

/** State the REST routes read and write, and the inspection API tests call directly. */
export class DiscordState extends EventEmitter<StateEvents> {
  readonly now: () => number;
  readonly ids: SnowflakeGenerator;
  readonly channels: ChannelStore;
  readonly commands: CommandRegistry;
  readonly interactionStore: InteractionRegistry;
  readonly log = new RequestLog();
  readonly invalid: InvalidRequestCounter;
  /** The guild channels are put in unless seeded elsewhere. */
  readonly defaultGuildId: string;
  /** The channel interactions happen in unless created with another. */
  readonly defaultChannelId: string;
  readonly #seed: string;
  readonly #tokens: Map<string, BotIdentity>;
  #rateLimited = 0;

  constructor(now: () => number, seed: string, tokens: Record<string, BotIdentity>) {
    super();
    this.now = now;
    this.#seed = seed;
    this.#tokens = new Map(Object.entries(tokens));
    this.ids = new SnowflakeGenerator(now);
    this.defaultGuildId = seededId(seed, 'guild');
    this.defaultChannelId = seededId(seed, 'channel');
    this.channels = new ChannelStore(this.defaultGuildId);
    this.commands = new CommandRegistry(this.ids);
    this.interactionStore = new InteractionRegistry(now, this.ids, seed);
    this.invalid = new InvalidRequestCounter(now);
  }

  /** Creates (or extends) a channel with `messages` history messages of deterministic content. */
  seedChannel(channelId: string, options: SeedChannelOptions = {}): APIMessage[] {
    const channel = this.channels.ensure(channelId, options.guildId);
    if (options.name !== undefined) channel.name = options.name;
    const count = options.messages ?? 0;
    const authors = [0, 1, 2].map((i) => plainUser(seededId(this.#seed, `author-${i}`), `seed-user-${i}`));
    const start = this.now() - count * 60_000;
    const created: APIMessage[] = [];
    for (let i = 0; i < count; i++) {
      const at = start + i * 60_000;
      const message = buildMessage({
        id: this.ids.at(at),
        channelId,
        author: authors[i % authors.length] as APIUser,
        timestampMs: at,
        content: `seed message ${i + 1} of ${count} in ${channelId}`,
      });
      this.channels.insert(message);
      created.push(message);
    }
    return created;
  }

  /** Stores a new message stamped now, and tells the gateway. */
  createMessage(init: Omit<MessageInit, 'id' | 'timestampMs'>): APIMessage {
    const message = buildMessage({ ...init, id: this.ids.next(), timestampMs: this.now() });
    this.channels.insert(message);
    this.emit('messageCreate', message, this.channels.ensure(message.channel_id).guildId);
    return message;
  }

  /** Applies an edit to a stored message, or answers undefined when there is none. */
  editMessage(channelId: string, messageId: string, body: Record<string, unknown>): APIMessage | undefined {
    const before = this.channels.message(channelId, messageId);
    if (before === undefined) return undefined;
    const after = editMessage(before, body, this.now());
    this.channels.replace(after);
    this.emit('messageUpdate', after, this.channels.ensure(channelId).guildId);
    return after;
  }

  /** Deletes a stored message; false when there was none. */
  deleteMessage(channelId: string, messageId: string): boolean {
    if (!this.channels.remove(channelId, messageId)) return false;
    this.emit('messageDelete', {
      id: messageId,
      channel_id: channelId,
      guild_id: this.channels.ensure(channelId).guildId,
    });
    return true;
  }

  /** A channel's messages, oldest first. */
  messages(channelId: string): APIMessage[] {
    return [...(this.channels.get(channelId)?.messages ?? [])];
  }

  /** Registers an interaction as if Discord had delivered it to the app; use its id and token. */
  createInteraction(init: Partial<InteractionInit> = {}): FakeInteraction {
    const applicationId = init.applicationId ?? [...this.#tokens.values()][0]?.applicationId;
    if (applicationId === undefined)
      throw new Error('createInteraction needs an applicationId (no bot configured)');
    return this.interactionStore.create({
      ...init,
      applicationId,
      channelId: init.channelId ?? this.defaultChannelId,
    });
  }

  /** Every interaction, with its callback, original response and follow-ups. */
  interactions(): FakeInteraction[] {
    return this.interactionStore.all();
  }

  /** The bot a token (without its `Bot ` prefix) belongs to, if any. */
  botForToken(token: string): BotIdentity | undefined {
    return this.#tokens.get(token);
  }

  /** The configured bot of an application, if any. */
  botForApplication(applicationId: string): BotIdentity | undefined {
    return [...this.#tokens.values()].find((b) => b.applicationId === applicationId);
  }

  /** Recorded REST requests, optionally filtered. */
  requests(filter?: RequestFilter): RecordedRequest[] {
    return this.log.requests(filter);
  }

  /** Invalid responses (401/403/non-shared 429) in the last 10 minutes, for a bot user id or all. */
  invalidRequests(bot?: string): InvalidRequestSnapshot {
    return this.invalid.snapshot(bot);
  }

  /** Notes a 429 the fake sent. */
  countRateLimited(): void {
    this.#rateLimited += 1;
  }

  /** Counts for `GET /__fake/state`. */
  snapshot(): StateSnapshot {
    const byRoute = this.log.countsByRoute();
    return {
      requests_total: Object.values(byRoute).reduce((a, b) => a + b, 0),
      requests_by_route: byRoute,
      messages_per_channel: this.channels.counts(),
      rate_limited: this.#rateLimited,
      interactions: this.interactionStore.all().length,
    };
  }

  /** Back to an empty Discord (bots stay configured). */
  reset(): void {
    this.channels.reset();
    this.commands.reset();
    this.interactionStore.reset();
    this.log.reset();
    this.invalid.reset();
    this.#rateLimited = 0;
  }
}
