/** stt: voice.audio.segment → WAV → models.transcribe → transcript.segment (confidence, RTF, latency). */
import type { ModelRef } from '@promethean/schemas/envelope';
import type { PayloadOf } from '@promethean/schemas/message-definition';
import { TranscriptSegment, VoiceAudioSegment } from '@promethean/schemas/voice/voice-messages';
import { defineAgent } from '@promethean/shared/agent/agent-definition';
import { NonRetriableError } from '@promethean/shared/agent/agent-errors';
import type { RuntimeContext } from '@promethean/shared/agent/runtime-context';
import { encodeWav } from '../../models/wav-audio.ts';
import { segmentDocument, segmentDocumentId } from '../../voice/voice-documents.ts';
import { type Timing, withHop } from '../../voice/voice-timing.ts';
import manifest from './agent.yml';

type Segment = PayloadOf<typeof VoiceAudioSegment>;

/** What is kept in the segment's `transcript` slot: the status page's fields plus what a republish needs. */
interface StoredTranscript {
  text: string;
  confidence: number;
  offline: boolean;
  latency_ms: number;
  rtf: number;
  language?: string;
  model: string;
  timing: Timing;
}

async function transcribe(ctx: RuntimeContext, p: Segment, started: number): Promise<StoredTranscript> {
  const pcm = await ctx.effects.blobs.get(p.blob_key);
  if (pcm === undefined) {
    throw new NonRetriableError(`segment PCM ${p.blob_key} is not in blob storage`, {
      provider: ctx.provider,
      tenant: ctx.tenant,
    });
  }
  const language = typeof ctx.settings.stt_language === 'string' ? ctx.settings.stt_language.trim() : '';
  const answer = await ctx.effects.models.transcribe({
    audio: encodeWav(pcm, p.format),
    filename: `${p.segment_id}.wav`,
    ...(language !== '' && { language }),
  });
  const done = ctx.clock.now();
  const durationMs = Math.max(1, p.ts_end - p.ts_start);
  return {
    text: answer.text.trim(),
    confidence: Math.min(1, Math.max(0, answer.confidence)),
    offline: answer.offline,
    // The transcript is published right after this: its latency is measured from the end of speech to now.
    latency_ms: Math.max(0, done - p.ts_end),
    rtf: Math.round(((done - started) / durationMs) * 1000) / 1000,
    ...(answer.language !== undefined && { language: answer.language }),
    model: answer.model,
    timing: withHop(undefined, p.ts_end, 'stt', ctx.message.ts, started, done),
  };
}

export const stt = defineAgent(manifest, 'functions/agents/stt/agent.yml')
  .on(VoiceAudioSegment, async (msg, ctx) => {
    const p = msg.payload;
    const started = ctx.clock.now();
    const id = segmentDocumentId(p.session_id, p.segment_id);
    let stored = (await ctx.effects.documents.get('voice', id))?.slots.transcript?.value as
      | StoredTranscript
      | undefined;
    if (stored === undefined) {
      const fresh = await transcribe(ctx, p, started);
      await ctx.effects.documents.upsertMany('voice', [
        segmentDocument(ctx, p, {
          segment: { ts_start: p.ts_start, ts_end: p.ts_end, blob_key: p.blob_key },
          transcript: fresh,
        }),
      ]);
      // The first transcript stored wins a race between two deliveries; publish that one.
      stored =
        ((await ctx.effects.documents.get('voice', id))?.slots.transcript?.value as StoredTranscript) ??
        fresh;
    } else {
      ctx.telemetry.info('transcript already stored; publishing it again', { segment: id });
    }
    const models: ModelRef[] = [{ role: 'stt', name: stored.model, offline: stored.offline }];
    await ctx.effects.publish(
      TranscriptSegment,
      {
        session_id: p.session_id,
        user_id: p.user_id,
        segment_id: p.segment_id,
        text: stored.text,
        ...(stored.language !== undefined && { language: stored.language }),
        confidence: stored.confidence,
        rtf: stored.rtf,
        latency_ms: stored.latency_ms,
        offline: stored.offline,
        ts_start: p.ts_start,
        ts_end: p.ts_end,
        timing: stored.timing,
      },
      { id: `stt:${id}`, models },
    );
  })
  .build();
