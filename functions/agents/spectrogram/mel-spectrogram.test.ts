import { describe, expect, it } from 'vitest';
import { hzToMel, melFilterbank, melToHz } from './mel-filterbank.ts';
import { frameCount, hannWindow, melSpectrogram, pcmToSamples } from './mel-spectrogram.ts';
import { powerSpectrum } from './real-fft.ts';
import { decodeMatrix, encodeMatrix } from './spectrogram-matrix.ts';

const RATE = 48_000;
const settings = { n_mels: 64, hop_length: 480, win_length: 1024, fmin: 20, fmax: 8000 };

function tone(hz: number, seconds: number, amplitude = 0.5): Float32Array {
  const out = new Float32Array(Math.round(RATE * seconds));
  for (let i = 0; i < out.length; i++) out[i] = amplitude * Math.sin((2 * Math.PI * hz * i) / RATE);
  return out;
}

/** The band with the most energy, averaged over frames. */
function loudestBand(db: Float32Array, nMels: number, frames: number): number {
  let best = 0;
  let bestValue = Number.NEGATIVE_INFINITY;
  for (let m = 0; m < nMels; m++) {
    let sum = 0;
    for (let t = 0; t < frames; t++) sum += db[m * frames + t]!;
    if (sum > bestValue) [best, bestValue] = [m, sum];
  }
  return best;
}

describe('FFT', () => {
  it('puts a bin-centred cosine in its bin and nowhere else', () => {
    const n = 64;
    const frame = Float64Array.from({ length: n }, (_, i) => Math.cos((2 * Math.PI * 5 * i) / n));
    const p = powerSpectrum(frame, n);
    expect(p[5]).toBeCloseTo((n / 2) ** 2, 6);
    for (let k = 0; k < p.length; k++) if (k !== 5) expect(p[k]).toBeLessThan(1e-9);
  });

  it('keeps the energy (Parseval) of random input', () => {
    const n = 256;
    let seed = 7;
    const frame = Float64Array.from({ length: n }, () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 30 - 1;
    });
    const p = powerSpectrum(frame, n);
    const time = frame.reduce((a, x) => a + x * x, 0);
    // One-sided spectrum: DC and Nyquist once, the rest twice.
    let freq = p[0]! + p[n / 2]!;
    for (let k = 1; k < n / 2; k++) freq += 2 * p[k]!;
    expect(freq / n).toBeCloseTo(time, 8);
  });

  it('refuses a size that is not a power of two', () => {
    expect(() => powerSpectrum(new Float64Array(10), 10)).toThrow(/power of two/);
  });
});

describe('mel filterbank', () => {
  it('converts mel and Hz both ways, and spaces band centres evenly in mel', () => {
    expect(melToHz(hzToMel(1000))).toBeCloseTo(1000, 6);
    expect(hzToMel(1000)).toBeCloseTo(1000, 0);
    const fb = melFilterbank(10, 1024, RATE, 0, 8000);
    const mels = Array.from(fb.centres, hzToMel);
    const steps = mels.slice(1).map((m, i) => m - mels[i]!);
    for (const s of steps) expect(s).toBeCloseTo(steps[0]!, 6);
  });

  it('refuses a range above Nyquist', () => {
    expect(() => melFilterbank(10, 1024, 16_000, 0, 9000)).toThrow(/within 0\.\.8000/);
  });
});

describe('mel spectrogram', () => {
  it.each([250, 1000, 3000])('puts a %d Hz tone in the band whose centre is nearest', (hz) => {
    const spec = melSpectrogram(tone(hz, 0.5), RATE, settings);
    const fb = melFilterbank(settings.n_mels, spec.n_fft, RATE, settings.fmin, settings.fmax);
    const nearest = Array.from(fb.centres).reduce(
      (best, c, m) => (Math.abs(c - hz) < Math.abs(fb.centres[best]! - hz) ? m : best),
      0,
    );
    expect(Math.abs(loudestBand(spec.db, spec.n_mels, spec.frames) - nearest)).toBeLessThanOrEqual(1);
  });

  it('reads a full-scale tone near 0 dB, half amplitude 6 dB lower, and silence at the floor', () => {
    const loud = melSpectrogram(tone(1000, 0.2, 1), RATE, settings);
    const half = melSpectrogram(tone(1000, 0.2, 0.5), RATE, settings);
    const quiet = melSpectrogram(new Float32Array(RATE / 5), RATE, settings);
    const band = loudestBand(loud.db, loud.n_mels, loud.frames);
    const mid = Math.floor(loud.frames / 2);
    const at = (s: typeof loud) => s.db[band * s.frames + mid]!;
    expect(at(loud)).toBeGreaterThan(-3);
    expect(at(loud)).toBeLessThan(1);
    expect(at(loud) - at(half)).toBeCloseTo(20 * Math.log10(2), 1);
    expect(Math.max(...quiet.db)).toBe(-100);
  });

  it('has energy only in the frames where the tone sounds', () => {
    const samples = new Float32Array(RATE); // 1 s: silence, 0.4 s of tone from 0.3 s, silence
    samples.set(tone(1000, 0.4), Math.round(RATE * 0.3));
    const spec = melSpectrogram(samples, RATE, settings);
    const band = loudestBand(spec.db, spec.n_mels, spec.frames);
    const frameAt = (seconds: number) => Math.floor((seconds * RATE) / settings.hop_length);
    expect(spec.db[band * spec.frames + frameAt(0.1)]).toBe(-100);
    expect(spec.db[band * spec.frames + frameAt(0.5)]).toBeGreaterThan(-10);
    expect(spec.db[band * spec.frames + frameAt(0.9)]).toBe(-100);
  });

  it('counts frames like a centred-free STFT and caps them', () => {
    expect(frameCount(0, settings)).toBe(0);
    expect(frameCount(500, settings)).toBe(1);
    expect(frameCount(1024 + 480, settings)).toBe(2);
    expect(melSpectrogram(tone(440, 1), RATE, settings, 10).frames).toBe(10);
  });

  it('reads the first channel of stereo PCM and windows with a periodic Hann', () => {
    const pcm = new Uint8Array(8);
    new DataView(pcm.buffer).setInt16(0, 16_384, true);
    new DataView(pcm.buffer).setInt16(2, -32_768, true);
    expect(Array.from(pcmToSamples(pcm, 2))).toEqual([0.5, 0]);
    const w = hannWindow(8);
    expect(w[0]).toBe(0);
    expect(w[4]).toBeCloseTo(1, 12);
  });

  it('stores the matrix with a header that reads back to the same values', () => {
    const spec = melSpectrogram(tone(1000, 0.1), RATE, settings);
    const { header, db } = decodeMatrix(encodeMatrix(spec));
    expect(header).toMatchObject({
      shape: [64, spec.frames],
      dtype: 'float32',
      layout: 'band-major',
      n_fft: 1024,
    });
    expect(db).toEqual(spec.db);
  });
});
