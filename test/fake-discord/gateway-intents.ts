/**
 * Gateway intents: which bits exist, which are privileged, and the close code an IDENTIFY earns
 * (https://discord.com/developers/docs/events/gateway#gateway-intents).
 */
import { GatewayCloseCodes, GatewayIntentBits } from 'discord-api-types/v10';

/** Every intent bit Discord defines; any other bit is invalid (4013). */
export const KNOWN_INTENTS: number = Object.values(GatewayIntentBits)
  .filter((v): v is number => typeof v === 'number')
  .reduce((mask, bit) => mask | bit, 0);

/** Which privileged intents the application has enabled in the developer portal (all by default). */
export interface PrivilegedIntents {
  guildMembers?: boolean;
  guildPresences?: boolean;
  messageContent?: boolean;
}

/** The bits an application may not use, given its portal settings. */
export function disallowedMask(enabled: PrivilegedIntents = {}): number {
  let mask = 0;
  if (enabled.guildMembers === false) mask |= GatewayIntentBits.GuildMembers;
  if (enabled.guildPresences === false) mask |= GatewayIntentBits.GuildPresences;
  if (enabled.messageContent === false) mask |= GatewayIntentBits.MessageContent;
  return mask;
}

/** The close code for an IDENTIFY's intents, or null when Discord would accept them. */
export function intentsCloseCode(intents: unknown, enabled: PrivilegedIntents = {}): number | null {
  if (!Number.isInteger(intents) || (intents as number) < 0) return GatewayCloseCodes.InvalidIntents;
  const value = intents as number;
  if ((value & ~KNOWN_INTENTS) !== 0) return GatewayCloseCodes.InvalidIntents;
  if ((value & disallowedMask(enabled)) !== 0) return GatewayCloseCodes.DisallowedIntents;
  return null;
}
