/**
 * The RPC input by which the functions Worker's voice-mixer hands one playback chunk to the access
 * Worker (`ACCESS.voicePlay`): the tenant, the `voice.play.pcm` item, and the URL the host fetches it from.
 */
import { ProviderName, TenantName } from '@promethean/schemas/identifiers';
import { VoicePlayPcm } from '@promethean/schemas/voice/voice-messages';
import { z } from 'zod';

export const VoicePlayRequest = z.object({
  provider: ProviderName,
  tenant: TenantName,
  item: VoicePlayPcm.payload,
  url: z.url({ protocol: /^https?$/ }),
});
export type VoicePlayRequest = z.infer<typeof VoicePlayRequest>;

/** The access Worker's answer: `ok: false` when no host is connected or the session is not joined. */
export interface VoicePlayAnswer {
  ok: boolean;
  reason?: string;
}
