/** Where finished segments go: the PCM is stored and the `voice.audio.segment` envelope published. */
import type { TypedEnvelope } from '@promethean/schemas/envelope';
import type { VoiceAudioSegment } from '@promethean/schemas/voice/voice-messages';
import type { z } from 'zod';

export type SegmentPayload = z.infer<typeof VoiceAudioSegment.payload>;

/** One segment to store and publish; the envelope id is the idempotency key `{session_id}:{segment_id}`. */
export interface SegmentWrite {
  readonly envelope: TypedEnvelope<SegmentPayload>;
  /** s16le PCM in the envelope's declared format. */
  readonly pcm: Uint8Array;
}

/**
 * Stores and publishes segments. Writes are idempotent by envelope id: writing the same segment twice
 * overwrites, so a retry after an unknown outcome is safe.
 */
export interface SegmentSink {
  write(segment: SegmentWrite): Promise<void>;
}

/** The sink refused the segment for good (bad request, auth): retrying cannot help. */
export class SegmentRejectedError extends Error {
  override readonly name = 'SegmentRejectedError';
  constructor(
    message: string,
    readonly segmentKey: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(`${message} [segment=${segmentKey}${status === undefined ? '' : ` status=${status}`}]`, options);
  }
}
