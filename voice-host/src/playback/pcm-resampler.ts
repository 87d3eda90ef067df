/**
 * A streaming polyphase windowed-sinc resampler for s16 PCM (e.g. TTS at 24 kHz mono → Discord's 48 kHz
 * stereo). Rational ratio L/M from the two rates; state carries across chunks so a reply's chunks join
 * without clicks.
 */

/** Taps on each side of the kernel centre: 16 gives > 80 dB stop-band with a Blackman window. */
const HALF_TAPS = 16;
/** Pass band edge as a fraction of the lower Nyquist frequency: keeps the transition band below it. */
const CUTOFF = 0.9;

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

function sinc(x: number): number {
  return x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
}

function blackman(x: number): number {
  // x in [-1, 1]
  const n = (x + 1) / 2;
  return 0.42 - 0.5 * Math.cos(2 * Math.PI * n) + 0.08 * Math.cos(4 * Math.PI * n);
}

export interface ResamplerSpec {
  readonly inRate: number;
  readonly outRate: number;
  readonly inChannels: 1 | 2;
  readonly outChannels: 1 | 2;
}

export class PcmResampler {
  readonly #spec: ResamplerSpec;
  readonly #up: number;
  readonly #down: number;
  /** #phases[p][k]: weight of input sample (base - half + 1 + k) for output phase p. */
  readonly #phases: Float32Array[];
  readonly #half: number;
  /** Pending input per channel, starting at absolute input index #bufStart. */
  #buf: Float32Array[];
  #bufStart: number;
  /** Absolute index of the next output sample. */
  #outIndex = 0;
  #inTotal = 0;

  constructor(spec: ResamplerSpec) {
    for (const r of [spec.inRate, spec.outRate]) {
      if (!Number.isInteger(r) || r <= 0)
        throw new RangeError(`sample rates must be positive integers, got ${r}`);
    }
    this.#spec = spec;
    const g = gcd(spec.inRate, spec.outRate);
    this.#up = spec.outRate / g;
    this.#down = spec.inRate / g;
    const scale = Math.min(1, spec.outRate / spec.inRate);
    this.#half = Math.ceil(HALF_TAPS / scale);
    // Equal rates need no filter: cutoff 1 makes every kernel a unit impulse.
    this.#phases = this.#buildPhases(this.#up === this.#down ? 1 : scale * CUTOFF);
    // Zeros before the stream so the first outputs see a full (silent) history.
    this.#buf = Array.from({ length: spec.inChannels }, () => new Float32Array(this.#half));
    this.#bufStart = -this.#half;
  }

  /** Resamples a chunk of interleaved s16; returns what can be produced so far. */
  process(input: Int16Array): Int16Array {
    this.#append(input);
    return this.#produce(false);
  }

  /** Ends the stream: emits the remaining output (total output length = input length × out/in). */
  flush(): Int16Array {
    const limit = Math.ceil((this.#inTotal * this.#up) / this.#down);
    this.#append(new Int16Array(this.#half * this.#spec.inChannels));
    return this.#produce(true, limit);
  }

  #buildPhases(cutoff: number): Float32Array[] {
    const taps = 2 * this.#half;
    return Array.from({ length: this.#up }, (_, p) => {
      const frac = p / this.#up;
      const w = new Float32Array(taps);
      for (let k = 0; k < taps; k++) {
        const d = k - this.#half + 1 - frac;
        w[k] = cutoff * sinc(cutoff * d) * blackman(Math.max(-1, Math.min(1, d / this.#half)));
      }
      return w;
    });
  }

  #append(input: Int16Array): void {
    const ch = this.#spec.inChannels;
    const n = Math.floor(input.length / ch);
    this.#buf = this.#buf.map((old, c) => {
      const next = new Float32Array(old.length + n);
      next.set(old);
      for (let i = 0; i < n; i++) next[old.length + i] = input[i * ch + c]!;
      return next;
    });
    this.#inTotal += n;
  }

  /** Emits every output whose kernel window is inside the input received (all of them when flushing). */
  #produce(flushing: boolean, limit = Number.POSITIVE_INFINITY): Int16Array {
    const out: number[] = [];
    const taps = 2 * this.#half;
    const outCh = this.#spec.outChannels;
    while (this.#outIndex < limit) {
      const pos = this.#outIndex * this.#down;
      const base = Math.floor(pos / this.#up);
      if (!flushing && base + this.#half >= this.#inTotal) break;
      const weights = this.#phases[pos % this.#up]!;
      const from = base - this.#half + 1 - this.#bufStart;
      const values = this.#buf.map((b) => {
        let acc = 0;
        for (let k = 0; k < taps; k++) acc += (b[from + k] ?? 0) * weights[k]!;
        return acc;
      });
      const mono = values.length === 1 ? values[0]! : (values[0]! + values[1]!) / 2;
      for (let c = 0; c < outCh; c++) out.push(clamp16(outCh === values.length ? values[c]! : mono));
      this.#outIndex++;
    }
    this.#trim();
    return Int16Array.from(out);
  }

  /** Drops input no future output needs. */
  #trim(): void {
    const nextBase = Math.floor((this.#outIndex * this.#down) / this.#up);
    const keepFrom = nextBase - this.#half + 1;
    const drop = keepFrom - this.#bufStart;
    if (drop <= 0) return;
    this.#buf = this.#buf.map((b) => b.slice(Math.min(drop, b.length)));
    this.#bufStart += drop;
  }
}

function clamp16(v: number): number {
  const r = Math.round(v);
  return Math.min(32767, Math.max(-32768, r));
}

/** The naive baseline the tests compare against: linear interpolation between neighbouring samples. */
export function linearResampleMono(input: Int16Array, inRate: number, outRate: number): Int16Array {
  const n = Math.floor((input.length * outRate) / inRate);
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    const t = (i * inRate) / outRate;
    const a = Math.floor(t);
    const f = t - a;
    out[i] = Math.round((input[a] ?? 0) * (1 - f) + (input[a + 1] ?? input[a] ?? 0) * f);
  }
  return out;
}
