/**
 * Gateway close codes with Discord's reasons and whether the session may be resumed afterwards
 * (https://discord.com/developers/docs/topics/opcodes-and-status-codes#gateway-gateway-close-event-codes).
 */
import { GatewayCloseCodes } from 'discord-api-types/v10';

/** A close code's reason text and whether a client may RESUME after it. */
export interface CloseCodeInfo {
  reason: string;
  resumable: boolean;
}

/** The documented codes; 4004 and 4010–4014 end the session, the rest allow a RESUME. */
export const GATEWAY_CLOSE_CODES: Readonly<Record<number, CloseCodeInfo>> = {
  [GatewayCloseCodes.UnknownError]: { reason: 'Unknown error.', resumable: true },
  [GatewayCloseCodes.UnknownOpcode]: { reason: 'Unknown opcode.', resumable: true },
  [GatewayCloseCodes.DecodeError]: { reason: 'Decode error.', resumable: true },
  [GatewayCloseCodes.NotAuthenticated]: { reason: 'Not authenticated.', resumable: true },
  [GatewayCloseCodes.AuthenticationFailed]: { reason: 'Authentication failed.', resumable: false },
  [GatewayCloseCodes.AlreadyAuthenticated]: { reason: 'Already authenticated.', resumable: true },
  [GatewayCloseCodes.InvalidSeq]: { reason: 'Invalid seq.', resumable: true },
  [GatewayCloseCodes.RateLimited]: { reason: 'Rate limited.', resumable: true },
  [GatewayCloseCodes.SessionTimedOut]: { reason: 'Session timed out.', resumable: true },
  [GatewayCloseCodes.InvalidShard]: { reason: 'Invalid shard.', resumable: false },
  [GatewayCloseCodes.ShardingRequired]: { reason: 'Sharding required.', resumable: false },
  [GatewayCloseCodes.InvalidAPIVersion]: { reason: 'Invalid API version.', resumable: false },
  [GatewayCloseCodes.InvalidIntents]: { reason: 'Invalid intent(s).', resumable: false },
  [GatewayCloseCodes.DisallowedIntents]: { reason: 'Disallowed intent(s).', resumable: false },
};

/** The reason and resumability of a code; undocumented codes are treated as resumable. */
export function closeCodeInfo(code: number): CloseCodeInfo {
  return GATEWAY_CLOSE_CODES[code] ?? { reason: '', resumable: true };
}
