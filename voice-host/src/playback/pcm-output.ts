/** Where a session's playback audio goes: the AudioPlayer in production, a recorder in tests. */

/**
 * Plays one reply at a time as a stream of 48 kHz stereo s16 PCM. `begin` opens a reply, `write` adds
 * audio, `end` says no more is coming; the output calls `onIdle` once a reply has finished playing or
 * was stopped.
 */
export interface PcmOutput {
  begin(replyId: string): void;
  write(pcm: Int16Array): void;
  end(): void;
  /** Cuts the current reply now. */
  stop(): void;
  /** Linear gain for what is playing (1 = unchanged). */
  setGain(gain: number): void;
  onIdle(listener: (replyId: string) => void): void;
}
