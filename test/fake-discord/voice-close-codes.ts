/**
 * Voice gateway close codes with Discord's meanings and what a client should do after each
 * (https://discord.com/developers/docs/topics/opcodes-and-status-codes#voice-voice-close-event-codes).
 */
import { VoiceCloseCodes } from 'discord-api-types/voice/v8';

/** A close code's reason, and whether the voice session survives it (a client may RESUME). */
export interface VoiceCloseInfo {
  readonly reason: string;
  readonly resumable: boolean;
}

const C = VoiceCloseCodes;

/** Only 4015 invites a resume; every other documented code ends the voice session. */
export const VOICE_CLOSE_CODES: Readonly<Record<number, VoiceCloseInfo>> = {
  [C.UnknownOpcode]: { reason: 'Unknown opcode', resumable: false },
  [C.FailedToDecode]: { reason: 'Failed to decode payload', resumable: false },
  [C.NotAuthenticated]: { reason: 'Not authenticated', resumable: false },
  [C.AuthenticationFailed]: { reason: 'Authentication failed', resumable: false },
  [C.AlreadyAuthenticated]: { reason: 'Already authenticated', resumable: false },
  [C.SessionNoLongerValid]: { reason: 'Session no longer valid', resumable: false },
  [C.SessionTimeout]: { reason: 'Session timeout', resumable: false },
  [C.ServerNotFound]: { reason: 'Server not found', resumable: false },
  [C.UnknownProtocol]: { reason: 'Unknown protocol', resumable: false },
  [C.Disconnected]: { reason: 'Disconnected', resumable: false },
  [C.VoiceServerCrashed]: { reason: 'Voice server crashed', resumable: true },
  [C.UnknownEncryptionMode]: { reason: 'Unknown encryption mode', resumable: false },
  [C.EndToEndEncryptionDAVEProtocolRequired]: { reason: 'E2EE/DAVE protocol required', resumable: false },
  [C.BadRequest]: { reason: 'Bad request', resumable: false },
  [C.RateLimited]: { reason: 'Disconnected: Rate Limited', resumable: false },
  [C.CallTerminated]: { reason: 'Disconnected: Call Terminated', resumable: false },
};

/** The reason and resumability of a code; an undocumented 4xxx code is not resumable. */
export function voiceCloseInfo(code: number): VoiceCloseInfo {
  return VOICE_CLOSE_CODES[code] ?? { reason: '', resumable: code < 4000 };
}
