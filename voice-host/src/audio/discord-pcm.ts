/** The PCM shape Discord voice uses (48 kHz, 20 ms Opus frames) and the frame the pipeline works in. */

/** Discord voice runs at 48 kHz. */
export const SAMPLE_RATE = 48_000;
/** Discord sends and expects stereo Opus. */
export const DISCORD_CHANNELS = 2;
/** One Opus frame, and the pipeline's unit of work, is 20 ms. */
export const FRAME_MS = 20;
/** Samples per channel in one 20 ms frame at 48 kHz. */
export const FRAME_SAMPLES = (SAMPLE_RATE / 1000) * FRAME_MS;
/** Samples per channel in one millisecond. */
export const SAMPLES_PER_MS = SAMPLE_RATE / 1000;

/** One 20 ms frame of one speaker, mono, with its start time in the speaker's wall-clock timeline (ms). */
export interface MonoFrame {
  readonly userId: string;
  /** Start of the frame, ms since the epoch, on the speaker's RTP clock anchored to arrival. */
  readonly ts: number;
  /** Exactly `FRAME_SAMPLES` samples. */
  readonly samples: Int16Array;
  /** True when the frame is silence the framer inserted for lost packets. */
  readonly filled: boolean;
}

/** Converts a count of mono samples at 48 kHz to milliseconds. */
export function samplesToMs(samples: number): number {
  return samples / SAMPLES_PER_MS;
}
