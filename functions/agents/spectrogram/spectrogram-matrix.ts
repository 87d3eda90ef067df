/**
 * The raw mel matrix as stored next to the image: a little-endian u32 header length, a JSON header
 * (`format`, shape, layout, unit and the settings), zero padding to a multiple of 4 bytes, then the
 * `n_mels × frames` decibel values as little-endian float32, band-major (`db[m * frames + t]`).
 */
import type { MelSpectrogram } from './mel-spectrogram.ts';

export const MATRIX_FORMAT = 'promethean.mel.f32le.v1';

export interface MatrixHeader {
  format: typeof MATRIX_FORMAT;
  dtype: 'float32';
  endianness: 'little';
  shape: [number, number];
  layout: 'band-major';
  unit: 'dB';
  sample_rate: number;
  n_fft: number;
  n_mels: number;
  hop_length: number;
  win_length: number;
  fmin: number;
  fmax: number;
}

export function encodeMatrix(spec: MelSpectrogram): Uint8Array {
  const header: MatrixHeader = {
    format: MATRIX_FORMAT,
    dtype: 'float32',
    endianness: 'little',
    shape: [spec.n_mels, spec.frames],
    layout: 'band-major',
    unit: 'dB',
    sample_rate: spec.sample_rate,
    n_fft: spec.n_fft,
    n_mels: spec.n_mels,
    hop_length: spec.hop_length,
    win_length: spec.win_length,
    fmin: spec.fmin,
    fmax: spec.fmax,
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const dataAt = Math.ceil((4 + json.length) / 4) * 4;
  const out = new Uint8Array(dataAt + spec.db.length * 4);
  const view = new DataView(out.buffer);
  view.setUint32(0, json.length, true);
  out.set(json, 4);
  for (let i = 0; i < spec.db.length; i++) view.setFloat32(dataAt + i * 4, spec.db[i]!, true);
  return out;
}

/** Reads a stored matrix back (tests, the status page). */
export function decodeMatrix(bytes: Uint8Array): { header: MatrixHeader; db: Float32Array } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = view.getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + length))) as MatrixHeader;
  const dataAt = Math.ceil((4 + length) / 4) * 4;
  const count = header.shape[0] * header.shape[1];
  const db = new Float32Array(count);
  for (let i = 0; i < count; i++) db[i] = view.getFloat32(dataAt + i * 4, true);
  return { header, db };
}
