import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32 } from './crc32.ts';
import { melSpectrogram } from './mel-spectrogram.ts';
import { encodePng } from './png-encoder.ts';
import { spectrogramImage } from './spectrogram-image.ts';

interface Chunk {
  type: string;
  data: Uint8Array;
  crcOk: boolean;
}

/** Splits a PNG into chunks, checking each CRC. */
function chunks(png: Uint8Array): Chunk[] {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const out: Chunk[] = [];
  for (let at = 8; at < png.length; ) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(...png.subarray(at + 4, at + 8));
    const data = png.subarray(at + 8, at + 8 + length);
    const crcOk = view.getUint32(at + 8 + length) === crc32(png.subarray(at + 4, at + 8 + length));
    out.push({ type, data, crcOk });
    at += 12 + length;
  }
  return out;
}

describe('CRC-32', () => {
  it('matches the standard check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });
});

describe('PNG encoder', () => {
  it('writes a PNG whose header, CRCs and inflated rows decode back to the pixels', async () => {
    const rgb = Uint8Array.from({ length: 3 * 2 * 3 }, (_, i) => (i * 37) % 256);
    const png = await encodePng({ width: 3, height: 2, rgb });
    expect(Array.from(png.subarray(0, 8))).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const parts = chunks(png);
    expect(parts.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
    expect(parts.every((c) => c.crcOk)).toBe(true);
    const ihdr = new DataView(parts[0]!.data.buffer, parts[0]!.data.byteOffset);
    expect([ihdr.getUint32(0), ihdr.getUint32(4), parts[0]!.data[8], parts[0]!.data[9]]).toEqual([
      3, 2, 8, 2,
    ]);
    const raw = new Uint8Array(inflateSync(parts[1]!.data));
    expect(raw.length).toBe(2 * (1 + 3 * 3));
    expect(raw[0]).toBe(0);
    expect(Array.from(raw.subarray(1, 10))).toEqual(Array.from(rgb.subarray(0, 9)));
    expect(Array.from(raw.subarray(11, 20))).toEqual(Array.from(rgb.subarray(9, 18)));
  });

  it('draws a spectrogram with the loud band bright and low bands at the bottom', async () => {
    const rate = 48_000;
    const samples = Float32Array.from(
      { length: rate / 4 },
      (_, i) => 0.5 * Math.sin((2 * Math.PI * 300 * i) / rate),
    );
    const spec = melSpectrogram(samples, rate, {
      n_mels: 32,
      hop_length: 480,
      win_length: 1024,
      fmin: 20,
      fmax: 8000,
    });
    const image = spectrogramImage(spec);
    const png = await encodePng(image);
    const raw = new Uint8Array(inflateSync(chunks(png)[1]!.data));
    const row = (y: number) => raw.subarray(y * (1 + image.width * 3) + 1, (y + 1) * (1 + image.width * 3));
    const brightness = (y: number) => row(y).reduce((a, b) => a + b, 0);
    // 300 Hz sits in the lower third of a 20–8000 Hz mel axis: the brightest row is in the bottom half.
    const rows = Array.from({ length: image.height }, (_, y) => brightness(y));
    const brightest = rows.indexOf(Math.max(...rows));
    expect(brightest).toBeGreaterThan(image.height / 2);
    expect(Math.min(...rows)).toBeLessThan(Math.max(...rows) / 4);
  });

  it('refuses pixels that do not fill the image', async () => {
    await expect(encodePng({ width: 2, height: 2, rgb: new Uint8Array(5) })).rejects.toThrow(
      /needs 12 bytes/,
    );
  });
});
