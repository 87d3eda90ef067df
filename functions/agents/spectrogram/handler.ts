/** spectrogram: voice.audio.segment → mel spectrogram PNG + raw matrix in blobs → voice.audio.spectrogram. */
import type { PayloadOf } from '@promethean/schemas/message-definition';
import { VoiceAudioSegment, VoiceAudioSpectrogram } from '@promethean/schemas/voice/voice-messages';
import { defineAgent } from '@promethean/shared/agent/agent-definition';
import { NonRetriableError } from '@promethean/shared/agent/agent-errors';
import type { RuntimeContext } from '@promethean/shared/agent/runtime-context';
import { z } from 'zod';
import { spectrogramImageKey, spectrogramMatrixKey } from '../../voice/voice-blob-keys.ts';
import { segmentDocument } from '../../voice/voice-documents.ts';
import manifest from './agent.yml';
import { type MelSettings, melSpectrogram, pcmToSamples } from './mel-spectrogram.ts';
import { encodePng } from './png-encoder.ts';
import { spectrogramImage } from './spectrogram-image.ts';
import { encodeMatrix } from './spectrogram-matrix.ts';

type Segment = PayloadOf<typeof VoiceAudioSegment>;

const Settings = z
  .object({
    n_mels: z.number().int().min(1).max(256),
    hop_length: z.number().int().min(1),
    win_length: z.number().int().min(16).max(16_384),
    fmin: z.number().nonnegative(),
    fmax: z.number().positive(),
    max_frames: z.number().int().min(1).max(20_000),
  })
  .refine((s) => s.fmax > s.fmin, { message: 'fmax must be above fmin' });

function settingsOf(ctx: RuntimeContext, sampleRate: number): MelSettings & { max_frames: number } {
  const parsed = Settings.safeParse(ctx.settings);
  const context = { provider: ctx.provider, tenant: ctx.tenant, agent: 'spectrogram' };
  if (!parsed.success) throw new NonRetriableError(`spectrogram settings: ${parsed.error.message}`, context);
  // Above Nyquist there is nothing to draw: the top band stops there.
  return { ...parsed.data, fmax: Math.min(parsed.data.fmax, sampleRate / 2) };
}

async function readPcm(ctx: RuntimeContext, p: Segment): Promise<Uint8Array> {
  const pcm = await ctx.effects.blobs.get(p.blob_key);
  if (pcm === undefined) {
    // The ingest route stores the PCM before it publishes, so a missing blob is not a race: give up loudly.
    throw new NonRetriableError(`segment PCM ${p.blob_key} is not in blob storage`, {
      provider: ctx.provider,
      tenant: ctx.tenant,
    });
  }
  return pcm;
}

export const spectrogram = defineAgent(manifest, 'functions/agents/spectrogram/agent.yml')
  .on(VoiceAudioSegment, async (msg, ctx) => {
    const p = msg.payload;
    const s = settingsOf(ctx, p.format.sample_rate);
    const samples = pcmToSamples(await readPcm(ctx, p), p.format.channels);
    const spec = melSpectrogram(samples, p.format.sample_rate, s, s.max_frames);
    const imageKey = spectrogramImageKey(ctx.provider, ctx.tenant, p.session_id, p.segment_id);
    const matrixKey = spectrogramMatrixKey(ctx.provider, ctx.tenant, p.session_id, p.segment_id);
    await ctx.effects.blobs.put(imageKey, await encodePng(spectrogramImage(spec)), 'image/png');
    await ctx.effects.blobs.put(matrixKey, encodeMatrix(spec), 'application/octet-stream');
    await ctx.effects.documents.upsertMany('voice', [
      segmentDocument(ctx, p, {
        segment: { ts_start: p.ts_start, ts_end: p.ts_end, blob_key: p.blob_key },
        spectrogram: { image_key: imageKey, matrix_key: matrixKey, frames: spec.frames, n_mels: spec.n_mels },
      }),
    ]);
    await ctx.effects.publish(
      VoiceAudioSpectrogram,
      {
        session_id: p.session_id,
        segment_id: p.segment_id,
        n_mels: spec.n_mels,
        hop_length: spec.hop_length,
        win_length: spec.win_length,
        fmin: spec.fmin,
        fmax: spec.fmax,
        frames: spec.frames,
        image_key: imageKey,
        matrix_key: matrixKey,
      },
      { id: `spectrogram:${msg.id}` },
    );
  })
  .build();
