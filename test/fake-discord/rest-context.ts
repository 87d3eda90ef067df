/** What a REST route handler is given: the matched route, validated inputs, the bot, and state. */
import type { DiscordState } from './discord-state.ts';
import type { BotIdentity } from './message-factory.ts';
import type { FakeResponse } from './rest-responses.ts';
import type { SpecRoute } from './spec-fixture.ts';

/** Discord's `session_start_limit` (https://discord.com/developers/docs/events/gateway#session-start-limit-object). */
export interface SessionStartLimit {
  total: number;
  remaining: number;
  reset_after: number;
  max_concurrency: number;
}

/** What REST needs to know about the gateway. */
export interface GatewayInfo {
  url: string;
  sessionStartLimit(botUserId: string): SessionStartLimit;
}

/** One request, after auth, rate limits and spec validation passed. */
export interface RestContext {
  route: SpecRoute;
  params: Record<string, string>;
  /** Query parameters the spec declares, read as their schema types. */
  query: Record<string, unknown>;
  body: unknown;
  /** The bot whose token authorised the request (always set on routes whose auth is `bot`). */
  bot: BotIdentity | null;
  state: DiscordState;
  gateway: GatewayInfo;
  /** Unknown interaction ids get 10062 instead of being registered on first callback. */
  strictInteractions: boolean;
}

/** Answers one Discord operation. */
export type RestHandler = (ctx: RestContext) => FakeResponse;

/** The authorising bot of a `bot`-auth route (the pipeline has already refused requests without one). */
export function botOf(ctx: RestContext): BotIdentity {
  if (ctx.bot === null) throw new Error(`${ctx.route.operation_id} reached its handler without a bot`);
  return ctx.bot;
}

/** The request body as an object (the spec validator has checked its type already). */
export function bodyObject(ctx: RestContext): Record<string, unknown> {
  return typeof ctx.body === 'object' && ctx.body !== null && !Array.isArray(ctx.body)
    ? (ctx.body as Record<string, unknown>)
    : {};
}

/** Whether a message body would create an empty message (Discord's 50006). */
export function isEmptyMessage(body: Record<string, unknown>): boolean {
  const filled = (key: string) => {
    const value = body[key];
    return Array.isArray(value) ? value.length > 0 : value !== undefined && value !== null && value !== '';
  };
  return !['content', 'embeds', 'sticker_ids', 'components', 'attachments', 'poll'].some(filled);
}
