/**
 * Discord Gateway v10 facts: opcodes, intents and close codes come from `discord-api-types` (Discord's own
 * published types); here is what each close code means for the session, and the checks on what the
 * gateway sends before the session trusts it.
 */
import {
  type APIUser,
  GatewayCloseCodes,
  type GatewayHelloData,
  GatewayIntentBits,
  type GatewayReadyDispatchData,
  type RESTGetAPIGatewayBotResult,
} from 'discord-api-types/v10';
import { z } from 'zod';

export const GatewayPayload = z.object({
  op: z.number().int(),
  d: z.unknown().optional(),
  s: z.number().int().nullable().optional(),
  t: z.string().nullable().optional(),
});
export type GatewayPayload = z.infer<typeof GatewayPayload>;

/** HELLO's data: the heartbeat interval the session keeps. */
export const HelloData = z.object({
  heartbeat_interval: z.number().positive(),
}) satisfies z.ZodType<GatewayHelloData>;

/** The READY fields a session keeps to resume later and to know its own user. */
export const ReadyData = z.object({
  session_id: z.string().min(1),
  resume_gateway_url: z.string().min(1),
  user: z.object({ id: z.string().min(1) }),
}) satisfies z.ZodType<
  Pick<GatewayReadyDispatchData, 'session_id' | 'resume_gateway_url'> & { user: Pick<APIUser, 'id'> }
>;

/** `GET /gateway/bot`: where to connect, and how many sessions may start (and how fast). */
export const GatewayBotData = z.object({
  url: z.string().min(1),
  session_start_limit: z
    .object({
      remaining: z.number().int(),
      reset_after: z.number().int().nonnegative(),
      max_concurrency: z.number().int().positive().optional(),
    })
    .optional(),
}) satisfies z.ZodType<
  Pick<RESTGetAPIGatewayBotResult, 'url'> & {
    session_start_limit?: Partial<RESTGetAPIGatewayBotResult['session_start_limit']>;
  }
>;

/** `GuildMessages` → `GUILD_MESSAGES`: the spelling providers.yml and Discord's docs use. */
function screamingSnake(pascal: string): string {
  return pascal.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

/** Every gateway intent by its documented name (deprecated aliases included, with their bits). */
export const GATEWAY_INTENTS: Readonly<Record<string, number>> = Object.fromEntries(
  Object.entries(GatewayIntentBits)
    .filter((entry): entry is [string, number] => typeof entry[1] === 'number')
    .map(([name, bit]) => [screamingSnake(name), bit]),
);

/** The intent bit field for names from providers.yml; throws naming every unknown intent. */
export function intentBits(names: readonly string[]): number {
  const unknown = names.filter((n) => GATEWAY_INTENTS[n] === undefined);
  if (unknown.length > 0) {
    throw new Error(
      `unknown gateway intents: ${unknown.join(', ')} (known: ${Object.keys(GATEWAY_INTENTS).join(', ')})`,
    );
  }
  return names.reduce((bits, n) => bits | GATEWAY_INTENTS[n]!, 0);
}

/** What to do after the gateway closes with a code. */
export type CloseAction = 'resume' | 'reidentify' | 'stop';

const FATAL: Readonly<Record<number, string>> = {
  [GatewayCloseCodes.AuthenticationFailed]: 'authentication failed: the bot token is invalid',
  [GatewayCloseCodes.InvalidShard]: 'invalid shard sent when identifying',
  [GatewayCloseCodes.ShardingRequired]: 'sharding required: the bot is in too many guilds for one shard',
  [GatewayCloseCodes.InvalidAPIVersion]: 'invalid gateway API version',
  [GatewayCloseCodes.InvalidIntents]: 'invalid intents',
  [GatewayCloseCodes.DisallowedIntents]:
    'disallowed intents: enable the privileged intents in the developer portal or remove them from providers.yml',
};

/** Discord's documented close codes: which end the session for good, which need a new session. */
export function closeAction(code: number): { action: CloseAction; reason: string } {
  const fatal = FATAL[code];
  if (fatal) return { action: 'stop', reason: `${code}: ${fatal}` };
  // An invalid seq (4007) or a timed-out session (4009) cannot be resumed.
  if (code === GatewayCloseCodes.InvalidSeq || code === GatewayCloseCodes.SessionTimedOut)
    return { action: 'reidentify', reason: `${code}: session cannot be resumed` };
  return { action: 'resume', reason: `closed with ${code}` };
}

/** Gateway URLs are ws(s)://; Workers open outbound WebSockets with an HTTP(S) upgrade request. */
export function upgradeUrl(gatewayUrl: string): string {
  const url = new URL(gatewayUrl.replace(/^ws/, 'http'));
  url.searchParams.set('v', '10');
  url.searchParams.set('encoding', 'json');
  return url.toString();
}
