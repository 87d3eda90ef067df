/**
 * CPU time spent by the fake voice side (people encoding and decoding Opus, the server sealing and opening
 * packets), so a benchmark running the voice host in the same process can subtract it. Only synchronous
 * work is measured, which is all of it: libopus and the AEAD ciphers run on the calling thread.
 */

let micros = 0;
let depth = 0;

/** Runs `fn` and adds its CPU time (user + system) to the meter; nested calls are counted once. */
export function meterFakeCpu<T>(fn: () => T): T {
  if (depth > 0) return fn();
  depth++;
  const before = process.cpuUsage();
  try {
    return fn();
  } finally {
    depth--;
    const d = process.cpuUsage(before);
    micros += d.user + d.system;
  }
}

/** CPU seconds measured so far. */
export function fakeCpuSeconds(): number {
  return micros / 1e6;
}
