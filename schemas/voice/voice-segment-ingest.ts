/**
 * The segment ingest contract between the voice host and the functions Worker: one HTTP request stores a
 * segment's PCM in blob storage and publishes its `voice.audio.segment` envelope. Provider-agnostic.
 */
import { z } from 'zod';
import { Envelope } from '../envelope.ts';
import { VoiceAudioSegment } from './voice-messages.ts';

/** The route on the functions Worker (`POST`, multipart/form-data, `Authorization: Bearer <secret>`). */
export const SEGMENT_INGEST_PATH = '/voice/segments';

/** The multipart field names: `envelope` is JSON text, `pcm` is the raw PCM bytes. */
export const SEGMENT_INGEST_FIELDS = { envelope: 'envelope', pcm: 'pcm' } as const;

/** Largest PCM body the route must accept: 60 s of 48 kHz stereo s16le (segments are split far below). */
export const MAX_SEGMENT_PCM_BYTES = 60 * 48_000 * 2 * 2;

type SegmentPayload = z.infer<typeof VoiceAudioSegment.payload>;

/** The idempotency key of a segment, used as its envelope id: `{session_id}:{segment_id}`. */
export function segmentIdempotencyKey(p: Pick<SegmentPayload, 'session_id' | 'segment_id'>): string {
  return `${p.session_id}:${p.segment_id}`;
}

/** The blob key a segment's PCM is stored under, derived from the idempotency key so redelivery overwrites. */
export function segmentBlobKey(
  provider: string,
  tenant: string,
  p: Pick<SegmentPayload, 'session_id' | 'segment_id'>,
): string {
  return `voice/${provider}/${tenant}/${encodeURIComponent(p.session_id)}/${encodeURIComponent(p.segment_id)}.pcm`;
}

/** How many PCM bytes a segment of this payload must carry: its duration at its format. */
export function expectedSegmentBytes(p: Pick<SegmentPayload, 'ts_start' | 'ts_end' | 'format'>): number {
  const samples = Math.round(((p.ts_end - p.ts_start) * p.format.sample_rate) / 1000);
  return samples * p.format.channels * 2;
}

/**
 * The `envelope` field: a `voice.audio.segment` envelope whose id is the idempotency key and whose
 * blob_key is the derived one, so the route can store and publish without inventing anything.
 */
export const SegmentIngestEnvelope = Envelope.extend({
  intent: z.literal(VoiceAudioSegment.intent),
  payload: VoiceAudioSegment.payload,
}).superRefine((env, ctx) => {
  const p = env.payload;
  if (env.id !== segmentIdempotencyKey(p)) {
    ctx.addIssue({ code: 'custom', path: ['id'], message: 'must equal {session_id}:{segment_id}' });
  }
  if (p.blob_key !== segmentBlobKey(env.provider, env.tenant, p)) {
    ctx.addIssue({
      code: 'custom',
      path: ['payload', 'blob_key'],
      message: 'must be voice/<provider>/<tenant>/<session_id>/<segment_id>.pcm',
    });
  }
  if (p.ts_end <= p.ts_start) {
    ctx.addIssue({ code: 'custom', path: ['payload', 'ts_end'], message: 'must be after ts_start' });
  }
});
export type SegmentIngestEnvelope = z.infer<typeof SegmentIngestEnvelope>;

/** What the route answers with on 200 (stored and published) — also for a redelivered segment. */
export const SegmentIngestResponse = z.object({
  ok: z.literal(true),
  id: z.string().min(1),
  blob_key: z.string().min(1),
  bytes: z.number().int().nonnegative(),
});
export type SegmentIngestResponse = z.infer<typeof SegmentIngestResponse>;

/** Checks the PCM body against the envelope: a message naming the mismatch, or undefined when it fits. */
export function pcmLengthProblem(env: SegmentIngestEnvelope, byteLength: number): string | undefined {
  if (byteLength > MAX_SEGMENT_PCM_BYTES)
    return `pcm is ${byteLength} bytes; at most ${MAX_SEGMENT_PCM_BYTES}`;
  const expected = expectedSegmentBytes(env.payload);
  return byteLength === expected
    ? undefined
    : `pcm is ${byteLength} bytes; ts_end - ts_start at the declared format needs ${expected}`;
}
