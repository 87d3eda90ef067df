/** The control API's request bodies, validated with zod. */
import { ProviderName, TenantName } from '@promethean/schemas/identifiers';
import { VoiceControlJoin, VoicePlayPcm } from '@promethean/schemas/voice/voice-messages';
import { z } from 'zod';

/** POST /sessions: a voice.control.join payload plus the tenant (and provider, default discord). */
export const JoinRequest = VoiceControlJoin.payload.extend({
  provider: ProviderName.default('discord'),
  tenant: TenantName,
});
export type JoinRequest = z.infer<typeof JoinRequest>;

/** POST /sessions/:id/play: a voice.play.pcm item with its PCM inline (base64) or at a URL. */
export const PlayRequest = z
  .object({
    item: VoicePlayPcm.payload,
    pcm_base64: z.base64().optional(),
    url: z.url({ protocol: /^https?$/ }).optional(),
  })
  .strict()
  .refine((r) => (r.pcm_base64 === undefined) !== (r.url === undefined), {
    message: 'give exactly one of pcm_base64 or url',
  });
export type PlayRequest = z.infer<typeof PlayRequest>;
