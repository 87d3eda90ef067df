/** Discord Gateway v10 facts: opcodes, intents, and what each close code means for the session. */
import { z } from 'zod';

export const Op = {
  Dispatch: 0,
  Heartbeat: 1,
  Identify: 2,
  PresenceUpdate: 3,
  VoiceStateUpdate: 4,
  Resume: 6,
  Reconnect: 7,
  InvalidSession: 9,
  Hello: 10,
  HeartbeatAck: 11,
} as const;

export const GatewayPayload = z.object({
  op: z.number().int(),
  d: z.unknown().optional(),
  s: z.number().int().nullable().optional(),
  t: z.string().nullable().optional(),
});
export type GatewayPayload = z.infer<typeof GatewayPayload>;

export const GATEWAY_INTENTS: Readonly<Record<string, number>> = {
  GUILDS: 1 << 0,
  GUILD_MEMBERS: 1 << 1,
  GUILD_MODERATION: 1 << 2,
  GUILD_EXPRESSIONS: 1 << 3,
  GUILD_INTEGRATIONS: 1 << 4,
  GUILD_WEBHOOKS: 1 << 5,
  GUILD_INVITES: 1 << 6,
  GUILD_VOICE_STATES: 1 << 7,
  GUILD_PRESENCES: 1 << 8,
  GUILD_MESSAGES: 1 << 9,
  GUILD_MESSAGE_REACTIONS: 1 << 10,
  GUILD_MESSAGE_TYPING: 1 << 11,
  DIRECT_MESSAGES: 1 << 12,
  DIRECT_MESSAGE_REACTIONS: 1 << 13,
  DIRECT_MESSAGE_TYPING: 1 << 14,
  MESSAGE_CONTENT: 1 << 15,
  GUILD_SCHEDULED_EVENTS: 1 << 16,
  AUTO_MODERATION_CONFIGURATION: 1 << 20,
  AUTO_MODERATION_EXECUTION: 1 << 21,
  GUILD_MESSAGE_POLLS: 1 << 24,
  DIRECT_MESSAGE_POLLS: 1 << 25,
};

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
  4004: 'authentication failed: the bot token is invalid',
  4010: 'invalid shard sent when identifying',
  4011: 'sharding required: the bot is in too many guilds for one shard',
  4012: 'invalid gateway API version',
  4013: 'invalid intents',
  4014: 'disallowed intents: enable the privileged intents in the developer portal or remove them from providers.yml',
};

/** Discord's documented close codes: which end the session for good, which need a new session. */
export function closeAction(code: number): { action: CloseAction; reason: string } {
  const fatal = FATAL[code];
  if (fatal) return { action: 'stop', reason: `${code}: ${fatal}` };
  // 4007 invalid seq and 4009 session timed out cannot be resumed.
  if (code === 4007 || code === 4009)
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
