/** What the voice tests play and how they wait for the real client: a stereo test tone, a polled condition. */

/** `ms` of 48 kHz stereo s16 (440 Hz left, 660 Hz right): easy to tell from silence and from each other. */
export function tone(ms: number, amplitude = 8_000): Int16Array {
  const n = (48_000 * ms) / 1000;
  const out = new Int16Array(n * 2);
  for (let i = 0; i < n; i++) {
    out[2 * i] = Math.round(amplitude * Math.sin((2 * Math.PI * 440 * i) / 48_000));
    out[2 * i + 1] = Math.round(amplitude * Math.sin((2 * Math.PI * 660 * i) / 48_000));
  }
  return out;
}

/**
 * Resolves once `ok()` holds, polling every `pollMs`: the client under test (@discordjs/voice) runs on its
 * own sockets and timers, so its state can only be observed, not awaited.
 */
export async function until(what: string, ok: () => boolean, timeoutMs = 10_000, pollMs = 10): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
