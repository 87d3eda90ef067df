/** Interactions the fake has seen: their one callback, original response and follow-ups, and expiry. */
import { createHash } from 'node:crypto';
import type { SnowflakeGenerator } from './snowflake.ts';

/** Interaction tokens are valid for 15 minutes (https://discord.com/developers/docs/interactions/receiving-and-responding). */
export const INTERACTION_TOKEN_TTL_MS = 15 * 60_000;

/** What an interaction is created from; omitted ids and tokens are generated. */
export interface InteractionInit {
  applicationId: string;
  channelId: string;
  guildId?: string | null;
  id?: string;
  token?: string;
}

/** An interaction's callback as the fake received it. */
export interface InteractionCallback {
  type: number;
  data: unknown;
  at: number;
}

/** One interaction and what the app did with it. */
export interface FakeInteraction {
  id: string;
  token: string;
  applicationId: string;
  channelId: string;
  guildId: string | null;
  createdAt: number;
  callback?: InteractionCallback;
  /** The response message (type 4 or the deferred type 5 placeholder). */
  originalMessageId?: string;
  followupIds: string[];
}

/** Interactions by id and by token. */
export class InteractionRegistry {
  readonly #now: () => number;
  readonly #ids: SnowflakeGenerator;
  readonly #seed: string;
  readonly #byId = new Map<string, FakeInteraction>();
  readonly #byToken = new Map<string, FakeInteraction>();

  constructor(now: () => number, ids: SnowflakeGenerator, seed: string) {
    this.#now = now;
    this.#ids = ids;
    this.#seed = seed;
  }

  /** Registers an interaction (as if Discord had just sent it to the app). */
  create(init: InteractionInit): FakeInteraction {
    const id = init.id ?? this.#ids.next();
    const digest = createHash('sha256').update(`${this.#seed}:interaction:${id}`).digest('base64url');
    const interaction: FakeInteraction = {
      id,
      token: init.token ?? `aW50ZXJhY3Rpb246${id}:${digest}`,
      applicationId: init.applicationId,
      channelId: init.channelId,
      guildId: init.guildId ?? null,
      createdAt: this.#now(),
      followupIds: [],
    };
    this.#byId.set(id, interaction);
    this.#byToken.set(interaction.token, interaction);
    return interaction;
  }

  /** An interaction by id. */
  byId(id: string): FakeInteraction | undefined {
    return this.#byId.get(id);
  }

  /** A live interaction by token; expired tokens are unknown, as on Discord. */
  byToken(token: string): FakeInteraction | undefined {
    const interaction = this.#byToken.get(token);
    if (interaction === undefined || this.isExpired(interaction)) return undefined;
    return interaction;
  }

  /** Whether the 15-minute token lifetime has passed. */
  isExpired(interaction: FakeInteraction): boolean {
    return this.#now() - interaction.createdAt >= INTERACTION_TOKEN_TTL_MS;
  }

  /** Every interaction, oldest first. */
  all(): FakeInteraction[] {
    return [...this.#byId.values()];
  }

  /** Forgets every interaction. */
  reset(): void {
    this.#byId.clear();
    this.#byToken.clear();
  }
}
