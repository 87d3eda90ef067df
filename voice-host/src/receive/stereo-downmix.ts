/** Averages interleaved stereo s16 samples to mono. */

/** Mono = (L + R) / 2, rounded toward zero; the average cannot overflow 16 bits. */
export function downmixStereo(interleaved: Int16Array): Int16Array {
  const frames = interleaved.length >> 1;
  const mono = new Int16Array(frames);
  for (let i = 0, j = 0; i < frames; i++, j += 2) {
    mono[i] = ((interleaved[j]! + interleaved[j + 1]!) / 2) | 0;
  }
  return mono;
}
