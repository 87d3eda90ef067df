/**
 * The mel spectrogram of mono s16le PCM: frames of `win_length` samples every `hop_length`, a Hann window,
 * the power spectrum (FFT zero-padded to a power of two), triangular mel bands, then decibels
 * (10 · log10, floored at -100 dB relative to full scale). Rows are mel bands (low first), columns frames.
 */
import { applyFilterbank, melFilterbank } from './mel-filterbank.ts';
import { nextPowerOfTwo, powerSpectrum } from './real-fft.ts';

export interface MelSettings {
  n_mels: number;
  hop_length: number;
  win_length: number;
  fmin: number;
  fmax: number;
}

export interface MelSpectrogram extends MelSettings {
  sample_rate: number;
  n_fft: number;
  frames: number;
  /** `n_mels × frames` decibel values, band-major: `db[m * frames + t]`. */
  db: Float32Array;
}

/** Power below this (relative to a full-scale sine's) is shown as the floor, so silence is not -∞ dB. */
const FLOOR_DB = -100;

/** A periodic Hann window of `n` samples. */
export function hannWindow(n: number): Float64Array {
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n);
  return w;
}

/** Samples in [-1, 1) from mono s16le bytes (the first channel when there are two). */
export function pcmToSamples(pcm: Uint8Array, channels: number): Float32Array {
  const view = new DataView(pcm.buffer, pcm.byteOffset, pcm.byteLength);
  const frames = Math.floor(pcm.byteLength / (2 * channels));
  const out = new Float32Array(frames);
  for (let i = 0; i < frames; i++) out[i] = view.getInt16(i * 2 * channels, true) / 32768;
  return out;
}

/** Frames a signal of `length` samples yields (at least one, padded with silence, for any non-empty input). */
export function frameCount(length: number, s: Pick<MelSettings, 'hop_length' | 'win_length'>): number {
  if (length === 0) return 0;
  return length <= s.win_length ? 1 : 1 + Math.ceil((length - s.win_length) / s.hop_length);
}

export function melSpectrogram(
  samples: Float32Array,
  sampleRate: number,
  s: MelSettings,
  maxFrames = Number.POSITIVE_INFINITY,
): MelSpectrogram {
  const nFft = nextPowerOfTwo(s.win_length);
  const fb = melFilterbank(s.n_mels, nFft, sampleRate, s.fmin, s.fmax);
  const window = hannWindow(s.win_length);
  const frames = Math.min(frameCount(samples.length, s), maxFrames);
  const db = new Float32Array(s.n_mels * frames);
  const frame = new Float64Array(s.win_length);
  const power = new Float64Array(nFft / 2 + 1);
  const bands = new Float64Array(s.n_mels);
  // A full-scale sine's power in its bin, so 0 dB means "as loud as a full-scale tone".
  const reference = (window.reduce((a, b) => a + b, 0) / 2) ** 2;
  for (let t = 0; t < frames; t++) {
    const start = t * s.hop_length;
    for (let i = 0; i < s.win_length; i++) frame[i] = (samples[start + i] ?? 0) * window[i]!;
    powerSpectrum(frame, nFft, power);
    applyFilterbank(fb, power, bands);
    for (let m = 0; m < s.n_mels; m++) {
      const value = 10 * Math.log10(Math.max(bands[m]! / reference, 10 ** (FLOOR_DB / 10)));
      db[m * frames + t] = value;
    }
  }
  return { ...s, sample_rate: sampleRate, n_fft: nFft, frames, db };
}
