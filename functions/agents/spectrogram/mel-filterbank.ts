/**
 * Triangular mel filters over FFT bins (HTK mel scale: 2595 · log10(1 + f / 700)), each peaking at 1 on
 * its centre frequency, spaced evenly in mel between fmin and fmax.
 */

export function hzToMel(hz: number): number {
  return 2595 * Math.log10(1 + hz / 700);
}

export function melToHz(mel: number): number {
  return 700 * (10 ** (mel / 2595) - 1);
}

export interface MelFilterbank {
  nMels: number;
  /** Centre frequency of each band in Hz. */
  centres: Float64Array;
  /** weights[m][k]: how much FFT bin k counts toward band m (sparse: only `from`..`to`). */
  bands: Array<{ from: number; weights: Float64Array }>;
}

/** Filters for `nMels` bands of a `fftSize`-point FFT at `sampleRate`, between `fmin` and `fmax` Hz. */
export function melFilterbank(
  nMels: number,
  fftSize: number,
  sampleRate: number,
  fmin: number,
  fmax: number,
): MelFilterbank {
  const nyquist = sampleRate / 2;
  if (!(fmin >= 0 && fmax > fmin && fmax <= nyquist))
    throw new RangeError(`mel range ${fmin}..${fmax} Hz must lie within 0..${nyquist} Hz`);
  const lo = hzToMel(fmin);
  const hi = hzToMel(fmax);
  const edges = Array.from({ length: nMels + 2 }, (_, i) => melToHz(lo + ((hi - lo) * i) / (nMels + 1)));
  const binHz = sampleRate / fftSize;
  const bins = fftSize / 2 + 1;
  const bands: MelFilterbank['bands'] = [];
  const centres = new Float64Array(nMels);
  for (let m = 0; m < nMels; m++) {
    const [left, centre, right] = [edges[m]!, edges[m + 1]!, edges[m + 2]!];
    centres[m] = centre;
    const from = Math.max(0, Math.floor(left / binHz));
    const to = Math.min(bins - 1, Math.ceil(right / binHz));
    const weights = new Float64Array(to - from + 1);
    for (let k = from; k <= to; k++) {
      const f = k * binHz;
      const w = f <= centre ? (f - left) / (centre - left) : (right - f) / (right - centre);
      weights[k - from] = Math.max(0, w);
    }
    bands.push({ from, weights });
  }
  return { nMels, centres, bands };
}

/** Band energies of one power spectrum. */
export function applyFilterbank(fb: MelFilterbank, power: Float64Array, out: Float64Array): Float64Array {
  for (let m = 0; m < fb.nMels; m++) {
    const { from, weights } = fb.bands[m]!;
    let sum = 0;
    for (let i = 0; i < weights.length; i++) sum += weights[i]! * (power[from + i] ?? 0);
    out[m] = sum;
  }
  return out;
}
