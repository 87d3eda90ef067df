import { describe, expect, it } from 'vitest';
import { chunkPcm } from './pcm-chunks.ts';

const plan = { sampleRate: 24_000, channels: 1, firstChunkMs: 500, chunkMs: 1000 };

describe('chunkPcm', () => {
  it('cuts a short first chunk, then even ones, marking the last and keeping every byte in order', () => {
    const pcm = Uint8Array.from({ length: 24_000 * 2 * 2.2 }, (_, i) => i % 256); // 2.2 s
    const chunks = chunkPcm(pcm, plan);
    expect(chunks.map((c) => [c.seq, c.duration_ms, c.last])).toEqual([
      [0, 500, false],
      [1, 1000, false],
      [2, 700, true],
    ]);
    const joined = new Uint8Array(chunks.reduce((n, c) => n + c.bytes.length, 0));
    let at = 0;
    for (const c of chunks) {
      joined.set(c.bytes, at);
      at += c.bytes.length;
    }
    expect(joined).toEqual(pcm);
  });

  it('drops a dangling odd byte and gives one empty last chunk for no audio', () => {
    expect(chunkPcm(new Uint8Array(48_001), plan).map((c) => c.bytes.length)).toEqual([24_000, 24_000]);
    expect(chunkPcm(new Uint8Array(0), plan)).toEqual([
      { seq: 0, last: true, bytes: new Uint8Array(0), duration_ms: 0 },
    ]);
  });
});
