/**
 * A small radix-2 FFT for real input (windowed audio frames): iterative Cooley–Tukey over a complex
 * buffer, with the bit-reversal order and twiddle factors computed once per size.
 */

interface FftPlan {
  size: number;
  reversed: Uint32Array;
  cos: Float64Array;
  sin: Float64Array;
}

// stateless-guard: allow plans are derived only from the FFT size; losing one changes speed, never an answer
const plans = new Map<number, FftPlan>();

function plan(size: number): FftPlan {
  const cached = plans.get(size);
  if (cached) return cached;
  if (size < 2 || (size & (size - 1)) !== 0) throw new RangeError(`FFT size ${size} is not a power of two`);
  const bits = Math.log2(size);
  const reversed = new Uint32Array(size);
  for (let i = 0; i < size; i++) {
    let r = 0;
    for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
    reversed[i] = r;
  }
  const cos = new Float64Array(size / 2);
  const sin = new Float64Array(size / 2);
  for (let k = 0; k < size / 2; k++) {
    cos[k] = Math.cos((-2 * Math.PI * k) / size);
    sin[k] = Math.sin((-2 * Math.PI * k) / size);
  }
  const made = { size, reversed, cos, sin };
  plans.set(size, made);
  return made;
}

/** The smallest power of two at least `n`. */
export function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p <<= 1;
  return p;
}

/**
 * The power spectrum |X[k]|² for k = 0..size/2 of a real frame (zero-padded to `size`, a power of two).
 * `out` is reused when given (length size/2 + 1).
 */
export function powerSpectrum(
  frame: Float64Array | Float32Array,
  size: number,
  out?: Float64Array,
): Float64Array {
  const p = plan(size);
  const re = new Float64Array(size);
  const im = new Float64Array(size);
  for (let i = 0; i < size; i++) re[p.reversed[i]!] = i < frame.length ? frame[i]! : 0;
  for (let half = 1; half < size; half <<= 1) {
    const step = size / (half * 2);
    for (let start = 0; start < size; start += half * 2) {
      for (let k = 0; k < half; k++) {
        const wr = p.cos[k * step]!;
        const wi = p.sin[k * step]!;
        const a = start + k;
        const b = a + half;
        const tr = wr * re[b]! - wi * im[b]!;
        const ti = wr * im[b]! + wi * re[b]!;
        re[b] = re[a]! - tr;
        im[b] = im[a]! - ti;
        re[a] = re[a]! + tr;
        im[a] = im[a]! + ti;
      }
    }
  }
  const bins = size / 2 + 1;
  const power = out ?? new Float64Array(bins);
  for (let k = 0; k < bins; k++) power[k] = re[k]! * re[k]! + im[k]! * im[k]!;
  return power;
}
