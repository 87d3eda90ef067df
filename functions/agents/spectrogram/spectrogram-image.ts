/**
 * Renders a mel spectrogram as an RGB image: one column per frame, one row per mel band with the lowest
 * band at the bottom, decibels mapped over the top `range_db` below the loudest cell through a dark-to-
 * bright colour ramp (so speech stands out and silence is near black).
 */
import type { MelSpectrogram } from './mel-spectrogram.ts';
import type { RgbImage } from './png-encoder.ts';

/** Colour stops from quiet to loud (black, purple, red, orange, pale yellow). */
const RAMP: ReadonlyArray<readonly [number, number, number]> = [
  [0, 0, 4],
  [81, 18, 124],
  [183, 55, 121],
  [252, 137, 97],
  [252, 253, 191],
];

function colour(level: number): readonly [number, number, number] {
  const x = Math.min(1, Math.max(0, level)) * (RAMP.length - 1);
  const i = Math.min(RAMP.length - 2, Math.floor(x));
  const f = x - i;
  const [a, b] = [RAMP[i]!, RAMP[i + 1]!];
  return [
    Math.round(a[0] + (b[0] - a[0]) * f),
    Math.round(a[1] + (b[1] - a[1]) * f),
    Math.round(a[2] + (b[2] - a[2]) * f),
  ];
}

export function spectrogramImage(spec: MelSpectrogram, rangeDb = 80): RgbImage {
  const width = Math.max(1, spec.frames);
  const height = spec.n_mels;
  let top = Number.NEGATIVE_INFINITY;
  for (const v of spec.db) top = Math.max(top, v);
  const rgb = new Uint8Array(width * height * 3);
  for (let m = 0; m < height; m++) {
    const y = height - 1 - m; // low bands at the bottom
    for (let t = 0; t < width; t++) {
      const v = spec.frames === 0 ? -Infinity : spec.db[m * spec.frames + t]!;
      const [r, g, b] = colour((v - (top - rangeDb)) / rangeDb);
      rgb.set([r, g, b], (y * width + t) * 3);
    }
  }
  return { width, height, rgb };
}
