/** Cuts synthesized PCM into playback chunks on whole sample frames: a short first chunk, then even ones. */

export interface PcmChunk {
  seq: number;
  last: boolean;
  bytes: Uint8Array;
  duration_ms: number;
}

export interface ChunkPlan {
  sampleRate: number;
  channels: number;
  firstChunkMs: number;
  chunkMs: number;
}

export function chunkPcm(pcm: Uint8Array, plan: ChunkPlan): PcmChunk[] {
  const frameBytes = 2 * plan.channels;
  const bytesFor = (ms: number) => Math.max(1, Math.round((plan.sampleRate * ms) / 1000)) * frameBytes;
  const whole = pcm.subarray(0, pcm.byteLength - (pcm.byteLength % frameBytes));
  const chunks: PcmChunk[] = [];
  for (let at = 0, seq = 0; at < whole.byteLength || seq === 0; seq++) {
    const size = bytesFor(seq === 0 ? plan.firstChunkMs : plan.chunkMs);
    const bytes = whole.subarray(at, at + size);
    at += bytes.byteLength;
    chunks.push({
      seq,
      last: at >= whole.byteLength,
      bytes,
      duration_ms: Math.round((bytes.byteLength / frameBytes / plan.sampleRate) * 1000 * 1000) / 1000,
    });
    if (bytes.byteLength === 0) break;
  }
  return chunks;
}
