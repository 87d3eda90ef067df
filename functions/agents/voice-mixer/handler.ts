/**
 * voice-mixer: feeds each session's playback stream (the `voice.playback` port: a VoicePlayback Durable
 * Object per session in the Worker) — segments announce utterances (so replies keep their order) and
 * noise transcripts release them,
 * chunks queue, interruptions cut a reply, a destroyed connection ends the stream — and records the
 * latency of each reply's first chunk and the session's voice state in the voice documents.
 */
import {
  TranscriptSegment,
  VoiceAudioSegment,
  VoicePlayPcm,
  VoiceStateChanged,
  VoiceStateSpeaking,
} from '@promethean/schemas/voice/voice-messages';
import { defineAgent } from '@promethean/shared/agent/agent-definition';
import type { RuntimeContext } from '@promethean/shared/agent/runtime-context';
import type { PlaybackReport } from '@promethean/shared/effects/effect-ports';
import { segmentDocument, sessionDocument } from '../../voice/voice-documents.ts';
import { sinceSpeechEnd } from '../../voice/voice-timing.ts';
import { noiseReason } from '../cephalon/voice-transcript.ts';
import manifest from './agent.yml';

/** Each reply whose first chunk reached the host: how long after the end of speech, and where the time went. */
async function recordStarts(ctx: RuntimeContext, report: PlaybackReport): Promise<void> {
  for (const { first, at } of report.started ?? []) {
    if (!first.timing || first.segment_id === undefined) continue;
    const latency = sinceSpeechEnd(first.timing, at);
    ctx.telemetry.info('reply started playing', {
      session_id: first.session_id,
      reply_id: first.reply_id,
      speech_to_first_chunk_ms: latency,
      hops: first.timing.hops,
    });
    const userId = speakerOf(first.segment_id);
    if (userId === undefined) continue;
    await ctx.effects.documents.upsertMany('voice', [
      segmentDocument(
        ctx,
        { session_id: first.session_id, segment_id: first.segment_id, user_id: userId },
        {
          playback: {
            reply_id: first.reply_id,
            first_chunk_at: at,
            speech_to_first_chunk_ms: latency,
            hops: first.timing.hops,
          },
        },
      ),
    ]);
  }
}

/** The speaker of a reply's utterance, from the segment id (`<user_id>-<ts_start>`, as the voice host cuts it). */
function speakerOf(segmentId: string | undefined): string | undefined {
  const match = segmentId === undefined ? null : /^(.+)-\d+$/.exec(segmentId);
  return match?.[1];
}

export const voiceMixer = defineAgent(manifest, 'functions/agents/voice-mixer/agent.yml')
  .on(VoicePlayPcm, async (msg, ctx) => {
    const report = await ctx.effects.playback.submit({ kind: 'chunk', item: msg.payload });
    await recordStarts(ctx, report);
    if ((report.undelivered ?? 0) > 0)
      ctx.telemetry.warn('voice host did not take every chunk; the stream retries', {
        undelivered: report.undelivered,
      });
  })
  .on(VoiceAudioSegment, async (msg, ctx) => {
    // The earliest word of an utterance: its reply (if any) must play before replies to later ones.
    const p = msg.payload;
    const report = await ctx.effects.playback.submit({
      kind: 'utterance',
      session_id: p.session_id,
      segment_id: p.segment_id,
      speech_end: p.ts_end,
      expects_reply: true,
    });
    await recordStarts(ctx, report);
  })
  .on(TranscriptSegment, async (msg, ctx) => {
    const p = msg.payload;
    const report = await ctx.effects.playback.submit({
      kind: 'utterance',
      session_id: p.session_id,
      segment_id: p.segment_id,
      speech_end: p.ts_end ?? p.timing?.speech_end ?? Date.parse(msg.ts),
      // The reply agent answers every transcript that is not noise; the same rule says whether to wait
      // (a noise transcript releases the replies held behind its utterance at once).
      expects_reply: noiseReason(p.text) === undefined,
    });
    await recordStarts(ctx, report);
  })
  .on(VoiceStateSpeaking, async (msg, ctx) => {
    const p = msg.payload;
    if (p.interrupted_reply_id === undefined) return;
    const report = await ctx.effects.playback.submit({
      kind: 'interrupt',
      session_id: p.session_id,
      reply_id: p.interrupted_reply_id,
    });
    await recordStarts(ctx, report); // the reply that was waiting behind it starts now
  })
  .on(VoiceStateChanged, async (msg, ctx) => {
    const p = msg.payload;
    await ctx.effects.documents.upsertMany('voice', [
      sessionDocument(ctx, p.session_id, 'state', msg.ts, {
        status: p.status,
        guild_id: p.guild_id,
        channel_id: p.channel_id,
        ...(p.reason !== undefined && { reason: p.reason }),
      }),
    ]);
    if (p.status === 'destroyed')
      await ctx.effects.playback.submit({ kind: 'end', session_id: p.session_id });
  })
  .build();
