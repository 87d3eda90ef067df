/**
 * The voice host ↔ access layer contract: the control connection's messages (a WebSocket the host keeps
 * open) and the relay request that carries the host's voice-state updates to the tenant's gateway session.
 */
import { z } from 'zod';
import { Envelope } from '../envelope.ts';
import { ForeignId, ProviderName, TenantName } from '../identifiers.ts';
import { VoiceControlJoin, VoiceControlLeave, VoicePlayPcm } from './voice-messages.ts';

/** The gateway command a voice connection asks the access layer to send (Discord op 4 VOICE_STATE_UPDATE). */
export const VoiceStateCommand = z.object({
  op: z.literal(4),
  d: z.object({
    guild_id: ForeignId,
    channel_id: ForeignId.nullable(),
    self_mute: z.boolean(),
    self_deaf: z.boolean(),
  }),
});
export type VoiceStateCommand = z.infer<typeof VoiceStateCommand>;

/** `POST <relay url>` from the host, `Authorization: Bearer <VOICE_HOST_SECRET>`. */
export const VoiceRelayRequest = z.object({
  provider: ProviderName,
  tenant: TenantName,
  shard: z.number().int().nonnegative().optional(),
  payload: VoiceStateCommand,
});
export type VoiceRelayRequest = z.infer<typeof VoiceRelayRequest>;

/** The relay's answer: `ok: false` when the gateway session could not send (not connected, rate limited). */
export const VoiceRelayResponse = z.object({ ok: z.boolean(), reason: z.string().optional() });
export type VoiceRelayResponse = z.infer<typeof VoiceRelayResponse>;

/** The bot's own VOICE_STATE_UPDATE dispatch data, as the gateway received it (extra fields kept). */
export const SelfVoiceState = z.looseObject({
  guild_id: ForeignId,
  channel_id: ForeignId.nullable(),
  user_id: ForeignId,
  session_id: z.string().min(1),
  self_mute: z.boolean().optional(),
  self_deaf: z.boolean().optional(),
});

/** VOICE_SERVER_UPDATE dispatch data; `endpoint: null` means the voice server went away. */
export const VoiceServer = z.looseObject({
  token: z.string().min(1),
  guild_id: ForeignId,
  endpoint: z.string().nullable(),
});

const routed = { provider: ProviderName.default('discord'), tenant: TenantName };

/** Access layer → host over the control connection. */
export const ControlToHost = z.discriminatedUnion('type', [
  z.object({ type: z.literal('voice.state_update'), ...routed, d: SelfVoiceState }),
  z.object({ type: z.literal('voice.server_update'), ...routed, d: VoiceServer }),
  z.object({ type: z.literal('session.join'), ...routed, payload: VoiceControlJoin.payload }),
  z.object({ type: z.literal('session.leave'), ...routed, payload: VoiceControlLeave.payload }),
  z.object({
    type: z.literal('session.play'),
    item: VoicePlayPcm.payload,
    url: z.url({ protocol: /^https?$/ }),
  }),
  z.object({ type: z.literal('ping'), ts: z.number() }),
]);
export type ControlToHost = z.infer<typeof ControlToHost>;

/** The sessions a host reports on connect, so the access layer can reconcile after a restart. */
export const HostSessionSummary = z.object({
  session_id: z.string().min(1),
  provider: ProviderName,
  tenant: TenantName,
  guild_id: ForeignId,
  channel_id: ForeignId,
});

export const HOST_STATES = ['INIT', 'RUNNING', 'DEGRADED', 'PAUSED', 'STOPPED'] as const;

/** Host → access layer over the control connection. */
export const HostToControl = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('hello'),
    host_id: z.string().min(1),
    version: z.string(),
    sessions: z.array(HostSessionSummary),
  }),
  z.object({ type: z.literal('health'), host_state: z.enum(HOST_STATES), envelopes: z.array(Envelope) }),
  z.object({ type: z.literal('event'), envelope: Envelope }),
  z.object({ type: z.literal('pong'), ts: z.number() }),
]);
export type HostToControl = z.infer<typeof HostToControl>;
