/** The tunables of voice activity detection and segmentation, validated with zod (see docs/voice.md). */
import { z } from 'zod';

export const VadConfig = z
  .object({
    /** A frame at or above this RMS level (dBFS) starts speech. */
    start_threshold_db: z.number().max(0).default(-40),
    /** Once speaking, frames at or above this level still count as speech (hysteresis). */
    stop_threshold_db: z.number().max(0).default(-47),
    /** Non-speech time that closes a segment. */
    hangover_ms: z.number().int().min(20).max(5_000).default(400),
    /** Segments with less voiced time than this are dropped (clicks, coughs) and never interrupt playback. */
    min_speech_ms: z.number().int().min(0).max(5_000).default(160),
    /** A segment is split at this length. */
    max_segment_ms: z.number().int().min(1_000).max(60_000).default(15_000),
    /** Audio kept before the first voiced frame (soft onsets the threshold missed). */
    pre_roll_ms: z.number().int().min(0).max(1_000).default(100),
    /** Audio kept after the last voiced frame. */
    post_roll_ms: z.number().int().min(0).max(1_000).default(100),
    /** Raise the start threshold to the tracked noise floor + margin on noisy inputs. */
    adaptive: z.boolean().default(true),
    /** Margin over the noise floor used when adaptive (dB). */
    noise_margin_db: z.number().min(0).max(40).default(12),
  })
  .refine((v) => v.stop_threshold_db <= v.start_threshold_db, {
    message: 'stop_threshold_db must not exceed start_threshold_db',
    path: ['stop_threshold_db'],
  })
  .refine((v) => v.post_roll_ms <= v.hangover_ms, {
    message: 'post_roll_ms must not exceed hangover_ms (the tail is cut from the hangover)',
    path: ['post_roll_ms'],
  });
export type VadConfig = z.infer<typeof VadConfig>;

/** The defaults, as a parsed config. */
export const DEFAULT_VAD: VadConfig = VadConfig.parse({});
