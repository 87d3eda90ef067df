/**
 * One turn of a conversation: a fake person speaks, the host cuts the segment, the reply plays, and the
 * person hears it. Measured: the end of speech (last voiced frame sent) to the first reply packet the fake
 * server received, and the heard reply against its TTS audio (SNR, duration).
 */
import { OFFLINE_TTS_SAMPLE_RATE } from '@promethean/functions/models/offline-speech';
import type { FakeVoicePerson, HeardFrame } from '../fake-discord/fake-voice-person.ts';
import { matchReplyAudio } from './reply-audio-match.ts';
import type { ConversationRig, RigSession, SegmentReply } from './voice-conversation-rig.ts';

/** What one turn produced. */
export interface TurnResult {
  readonly speaker: string;
  readonly utteranceEnd: number;
  readonly reply: SegmentReply;
  /** End of speech → first reply packet at the fake server (ms). */
  readonly firstAudioMs: number;
  readonly snrDb: number;
  readonly heardMs: number;
  readonly ttsMs: number;
  /** Segments the host cut from this utterance (1 unless it split it). */
  readonly segments: number;
  /** Their lengths (ms). */
  readonly segmentMs: number[];
}

/** Mono s16 of the non-silence frames, in RTP timestamp order. */
export function monoOf(frames: readonly HeardFrame[]): Int16Array {
  const voiced = frames.filter((f) => !f.silence).sort((a, b) => a.timestamp - b.timestamp);
  const out = new Int16Array(voiced.reduce((n, f) => n + f.pcm.length / 2, 0));
  let o = 0;
  for (const f of voiced) {
    for (let i = 0; i < f.pcm.length / 2; i++) out[o++] = (f.pcm[2 * i]! + f.pcm[2 * i + 1]!) >> 1;
  }
  return out;
}

/** `person` says `pcm` in `session`; resolves once the whole reply was heard. */
export async function conversationTurn(
  rig: ConversationRig,
  session: RigSession,
  person: FakeVoicePerson,
  pcm: Int16Array,
  timeoutMs = 20_000,
): Promise<TurnResult> {
  const mine = () => rig.replies.filter((r) => r.sessionId === session.sessionId);
  const repliesBefore = mine().length;
  const packetsBefore = session.botPackets.length;
  const heardFrom = () => person.heard.get(session.botUserId) ?? [];
  const heardBefore = heardFrom().length;
  const burst = await person.speak(pcm);
  await rig.until(`the segment of ${person.userId}`, () => mine().length > repliesBefore, timeoutMs);
  const reply = mine()[repliesBefore]!;
  const ttsFrames = Math.ceil(reply.tts.length / (OFFLINE_TTS_SAMPLE_RATE / 50));
  const heardNow = () => heardFrom().slice(heardBefore);
  await rig.until(
    `the reply ${reply.replyId} heard in full`,
    () => {
      const frames = heardNow();
      return frames.filter((f) => !f.silence).length >= ttsFrames && frames.at(-1)?.silence === true;
    },
    timeoutMs,
  );
  const first = session.botPackets.slice(packetsBefore).find((p) => !p.silence && p.at >= burst.endedAt);
  const heard = monoOf(heardNow());
  const match = matchReplyAudio(heard, reply.tts, OFFLINE_TTS_SAMPLE_RATE);
  return {
    speaker: person.userId,
    utteranceEnd: burst.endedAt,
    reply,
    firstAudioMs: (first?.at ?? Number.NaN) - burst.endedAt,
    snrDb: match.snrDb,
    heardMs: (heard.length / 48_000) * 1000,
    ttsMs: (reply.tts.length / OFFLINE_TTS_SAMPLE_RATE) * 1000,
    segments: mine().length - repliesBefore,
    segmentMs: mine()
      .slice(repliesBefore)
      .map((r) => r.tsEnd - r.tsStart),
  };
}
