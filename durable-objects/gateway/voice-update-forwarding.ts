/**
 * Which gateway dispatches go to the voice host: the bot's own VOICE_STATE_UPDATE (other users' voice
 * states are not the host's business) and every VOICE_SERVER_UPDATE (always the bot's).
 */

/** A voice update the gateway session forwards to the tenant's VoiceHostLink. */
export type GatewayVoiceUpdate =
  | { type: 'VOICE_STATE_UPDATE'; d: unknown }
  | { type: 'VOICE_SERVER_UPDATE'; d: unknown };

/** The update to forward for a dispatch, or undefined when the host does not need it. */
export function selfVoiceUpdate(
  type: string,
  d: unknown,
  botUserId: string | undefined,
): GatewayVoiceUpdate | undefined {
  if (type === 'VOICE_SERVER_UPDATE') return { type, d };
  if (type !== 'VOICE_STATE_UPDATE' || botUserId === undefined) return undefined;
  const userId = (d as { user_id?: unknown } | null)?.user_id;
  return userId === botUserId ? { type, d } : undefined;
}
