/**
 * Per-hop latency on the voice path: every voice message carries `timing` (the utterance's end of speech
 * and one hop per stage: how long its input waited on the bus, how long the stage worked), so the last
 * stage knows where the time from end of speech to first sound went.
 */
import type { VoiceTiming } from '@promethean/schemas/voice/voice-messages';
import type { z } from 'zod';

export type Timing = z.infer<typeof VoiceTiming>;

/** At most this many hops are kept (the schema's bound); the oldest go first. */
const MAX_HOPS = 16;

/**
 * The timing an output carries: the input's, plus this stage's hop. `inputTs` is the input envelope's
 * `ts` (when it was published), `startedAt` when this stage began, `now` when it publishes.
 */
export function withHop(
  previous: Timing | undefined,
  speechEnd: number,
  stage: string,
  inputTs: string,
  startedAt: number,
  now: number,
): Timing {
  const published = Date.parse(inputTs);
  const hop = {
    stage,
    queued_ms: Number.isNaN(published) ? 0 : Math.max(0, startedAt - published),
    work_ms: Math.max(0, now - startedAt),
  };
  return {
    speech_end: previous?.speech_end ?? speechEnd,
    hops: [...(previous?.hops ?? []), hop].slice(-MAX_HOPS),
  };
}

/** Milliseconds from the end of speech to `at`. */
export function sinceSpeechEnd(timing: Timing, at: number): number {
  return Math.max(0, at - timing.speech_end);
}
