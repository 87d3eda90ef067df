/** The voice pipeline's messages, from the voice host's segments to playback. */
import { z } from 'zod';
import { ForeignId } from '../identifiers.ts';
import { defineMessage } from '../message-definition.ts';

export const PcmFormat = z.object({
  encoding: z.literal('pcm_s16le'),
  sample_rate: z.number().int().positive(),
  channels: z.number().int().min(1).max(2),
});

const sessionRef = { session_id: z.string().min(1), guild_id: ForeignId, channel_id: ForeignId };

/** One hop of the voice path: how long the input waited on the bus, and how long the stage worked on it. */
export const VoiceHop = z.object({
  stage: z.string().min(1),
  queued_ms: z.number().nonnegative(),
  work_ms: z.number().nonnegative(),
});

/**
 * The latency record a voice message carries from the utterance on: `speech_end` is the utterance's
 * `ts_end` (epoch ms, the end of speech), and each stage appends its hop. Also the playback order key.
 */
export const VoiceTiming = z.object({
  speech_end: z.number().nonnegative(),
  hops: z.array(VoiceHop).max(16),
});

export const VoiceControlJoin = defineMessage({
  intent: 'voice.control.join',
  area: 'voice',
  description: 'Ask the voice host to join a voice channel.',
  payload: z.object({
    ...sessionRef,
    self_mute: z.boolean().default(false),
    self_deaf: z.boolean().default(false),
  }),
});

export const VoiceControlLeave = defineMessage({
  intent: 'voice.control.leave',
  area: 'voice',
  description: 'Ask the voice host to leave a voice channel.',
  payload: z.object({ session_id: z.string().min(1), guild_id: ForeignId }),
});

export const VoiceAudioSegment = defineMessage({
  intent: 'voice.audio.segment',
  area: 'voice',
  description:
    'One speaker utterance cut by VAD; the PCM lives in blob storage. Key: {session_id}:{segment_id}.',
  payload: z.object({
    session_id: z.string().min(1),
    user_id: ForeignId,
    segment_id: z.string().min(1),
    ts_start: z.number().nonnegative(),
    ts_end: z.number().nonnegative(),
    format: PcmFormat,
    blob_key: z.string().min(1),
    vad: z.object({
      kind: z.string(),
      start_threshold: z.number(),
      stop_threshold: z.number(),
      hangover_ms: z.number(),
    }),
  }),
});

export const VoiceAudioSpectrogram = defineMessage({
  intent: 'voice.audio.spectrogram',
  area: 'voice',
  description: 'A mel spectrogram of a segment: PNG image and raw matrix in blob storage.',
  payload: z.object({
    session_id: z.string().min(1),
    segment_id: z.string().min(1),
    n_mels: z.number().int().positive(),
    hop_length: z.number().int().positive(),
    win_length: z.number().int().positive(),
    fmin: z.number().nonnegative(),
    fmax: z.number().positive(),
    frames: z.number().int().nonnegative(),
    image_key: z.string().min(1),
    matrix_key: z.string().min(1),
  }),
});

export const TranscriptSegment = defineMessage({
  intent: 'transcript.segment',
  area: 'voice',
  description: 'Speech-to-text of one segment.',
  payload: z.object({
    session_id: z.string().min(1),
    user_id: ForeignId,
    segment_id: z.string().min(1),
    text: z.string(),
    language: z.string().optional(),
    confidence: z.number().min(0).max(1),
    rtf: z.number().nonnegative().describe('real-time factor: processing time / audio duration'),
    latency_ms: z.number().nonnegative(),
    offline: z.boolean(),
    /** The utterance's span (epoch ms), copied from the segment. */
    ts_start: z.number().nonnegative().optional(),
    ts_end: z.number().nonnegative().optional(),
    timing: VoiceTiming.optional(),
  }),
});

export const VoicePlayPcm = defineMessage({
  intent: 'voice.play.pcm',
  area: 'voice',
  description: 'Synthesized audio for a session, in order by (reply_id, seq).',
  payload: z.object({
    session_id: z.string().min(1),
    reply_id: z.string().min(1),
    seq: z.number().int().nonnegative(),
    last: z.boolean(),
    format: PcmFormat,
    blob_key: z.string().min(1),
    duration_ms: z.number().nonnegative(),
    /** The utterance this reply answers (voice replies), so the mixer can order replies by utterance. */
    segment_id: z.string().min(1).optional(),
    timing: VoiceTiming.optional(),
  }),
});

export const VoiceStateChanged = defineMessage({
  intent: 'voice.state.changed',
  area: 'voice',
  description: 'The voice connection of a session changed status.',
  payload: z.object({
    ...sessionRef,
    status: z.enum(['signalling', 'connecting', 'ready', 'disconnected', 'destroyed']),
    reason: z.string().optional(),
  }),
});

export const VoiceStateSpeaking = defineMessage({
  intent: 'voice.state.speaking',
  area: 'voice',
  description: 'A speaker started or stopped; `interrupted` is set when it cut into playback.',
  payload: z.object({
    session_id: z.string().min(1),
    user_id: ForeignId,
    speaking: z.boolean(),
    interrupted_reply_id: z.string().optional(),
  }),
});

export const VoiceHealth = defineMessage({
  intent: 'voice.health',
  area: 'voice',
  description: 'The voice host reports a session.',
  payload: z.object({
    session_id: z.string().min(1),
    state: z.enum(['INIT', 'RUNNING', 'DEGRADED', 'PAUSED', 'STOPPED']),
    speakers: z.number().int().nonnegative(),
    jitter_ms: z.number().nonnegative(),
    packet_loss: z.number().min(0).max(1),
    decrypt_failures: z.number().int().nonnegative(),
    queue_depth: z.number().int().nonnegative(),
    dropped_frames: z.number().int().nonnegative(),
  }),
});
