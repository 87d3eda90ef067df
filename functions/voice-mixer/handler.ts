/**
 * voice-mixer: feeds each session's playback stream (the `voice.playback` port: a VoicePlayback Durable
 * Object per session in the Worker) — transcripts announce utterances (so replies keep their order),
 * chunks queue, interruptions cut a reply, a destroyed connection ends the stream — and records the
 * latency of each reply's first chunk and the session's voice state in the voice documents.
 */
import type { PayloadOf } from '@promethean/schemas/message-definition';
import {
  TranscriptSegment,
  VoicePlayPcm,
  VoiceStateChanged,
  VoiceStateSpeaking,
} from '@promethean/schemas/voice/voice-messages';
import { defineAgent } from '@promethean/shared/agent/agent-definition';
import type { RuntimeContext } from '@promethean/shared/agent/runtime-context';
import type { PlaybackReport } from '@promethean/shared/effects/effect-ports';
import { noiseReason } from '../cephalon/voice-transcript.ts';
import { segmentDocument, sessionDocument } from '../voice/voice-documents.ts';
import { sinceSpeechEnd } from '../voice/voice-timing.ts';
import manifest from './agent.yml';

type Chunk = PayloadOf<typeof VoicePlayPcm>;

/** The reply's first chunk reached the host: how long after the end of speech, and where the time went. */
async function recordStart(
  ctx: RuntimeContext,
  item: Chunk,
  report: PlaybackReport,
  userId: string | undefined,
): Promise<void> {
  const start = report.started?.find((s) => s.reply_id === item.reply_id);
  if (!start || !item.timing || item.segment_id === undefined) return;
  const latency = sinceSpeechEnd(item.timing, start.at);
  ctx.telemetry.info('reply started playing', {
    session_id: item.session_id,
    reply_id: item.reply_id,
    speech_to_first_chunk_ms: latency,
    hops: item.timing.hops,
  });
  if (userId === undefined) return;
  await ctx.effects.documents.upsertMany('voice', [
    segmentDocument(
      ctx,
      { session_id: item.session_id, segment_id: item.segment_id, user_id: userId },
      {
        playback: {
          reply_id: item.reply_id,
          first_chunk_at: start.at,
          speech_to_first_chunk_ms: latency,
          hops: item.timing.hops,
        },
      },
    ),
  ]);
}

/** The speaker of a reply's utterance, from the segment id (`<user_id>-<ts_start>`, as the voice host cuts it). */
function speakerOf(segmentId: string | undefined): string | undefined {
  const match = segmentId === undefined ? null : /^(.+)-\d+$/.exec(segmentId);
  return match?.[1];
}

export const voiceMixer = defineAgent(manifest, 'functions/voice-mixer/agent.yml')
  .on(VoicePlayPcm, async (msg, ctx) => {
    const report = await ctx.effects.playback.submit({ kind: 'chunk', item: msg.payload });
    await recordStart(ctx, msg.payload, report, speakerOf(msg.payload.segment_id));
    if ((report.undelivered ?? 0) > 0)
      ctx.telemetry.warn('voice host did not take every chunk; the stream retries', {
        undelivered: report.undelivered,
      });
  })
  .on(TranscriptSegment, async (msg, ctx) => {
    const p = msg.payload;
    await ctx.effects.playback.submit({
      kind: 'utterance',
      session_id: p.session_id,
      segment_id: p.segment_id,
      speech_end: p.ts_end ?? p.timing?.speech_end ?? Date.parse(msg.ts),
      // The reply agent answers every transcript that is not noise; the same rule says whether to wait.
      expects_reply: noiseReason(p.text) === undefined,
    });
  })
  .on(VoiceStateSpeaking, async (msg, ctx) => {
    const p = msg.payload;
    if (p.interrupted_reply_id === undefined) return;
    await ctx.effects.playback.submit({
      kind: 'interrupt',
      session_id: p.session_id,
      reply_id: p.interrupted_reply_id,
    });
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
