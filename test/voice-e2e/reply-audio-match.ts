/**
 * How closely what a fake person heard matches the TTS audio that was sent: the TTS PCM is brought to
 * 48 kHz (linear interpolation: the offline voice is tones below 700 Hz, where its error is far below the
 * codec's), aligned to the heard audio by cross-correlation (Opus look-ahead, the host's resampler and
 * frame padding shift it by a few hundred samples), and compared with the least-squares gain.
 */

/** Linear-interpolation upsampling of mono s16 from `fromRate` to `toRate`. */
export function upsampleLinear(pcm: Int16Array, fromRate: number, toRate: number): Float64Array {
  const n = Math.floor((pcm.length * toRate) / fromRate);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = (i * fromRate) / toRate;
    const i0 = Math.floor(x);
    const f = x - i0;
    const a = pcm[i0] ?? 0;
    const b = pcm[i0 + 1] ?? a;
    out[i] = a + (b - a) * f;
  }
  return out;
}

/** The result of a comparison. */
export interface AudioMatch {
  /** Signal-to-noise ratio of the heard audio against the reference, after alignment and gain (dB). */
  readonly snrDb: number;
  /** Samples the heard audio lags the reference by. */
  readonly lag: number;
}

/** The lag (0..maxLag) at which `heard` best correlates with the first `window` samples of `ref`. */
function bestLag(ref: Float64Array, heard: Int16Array, maxLag: number, window: number): number {
  let best = 0;
  let bestScore = -Infinity;
  const w = Math.min(window, ref.length);
  for (let lag = 0; lag <= maxLag; lag++) {
    let dot = 0;
    let energy = 0;
    for (let i = 0; i < w; i++) {
      const h = heard[i + lag] ?? 0;
      dot += ref[i]! * h;
      energy += h * h;
    }
    const score = energy === 0 ? -Infinity : dot / Math.sqrt(energy);
    if (score > bestScore) {
      bestScore = score;
      best = lag;
    }
  }
  return best;
}

/** Compares heard 48 kHz mono with the reference (`refRate` mono), over the reference's length. */
export function matchReplyAudio(
  heard: Int16Array,
  ref: Int16Array,
  refRate: number,
  maxLagSamples = 2_400,
): AudioMatch {
  const r = upsampleLinear(ref, refRate, 48_000);
  const lag = bestLag(r, heard, maxLagSamples, 9_600);
  let rh = 0;
  let hh = 0;
  for (let i = 0; i < r.length; i++) {
    const h = heard[i + lag] ?? 0;
    rh += r[i]! * h;
    hh += h * h;
  }
  const gain = hh === 0 ? 0 : rh / hh;
  let signal = 0;
  let noise = 0;
  for (let i = 0; i < r.length; i++) {
    const e = r[i]! - gain * (heard[i + lag] ?? 0);
    signal += r[i]! * r[i]!;
    noise += e * e;
  }
  return { snrDb: noise === 0 ? Infinity : 10 * Math.log10(signal / noise), lag };
}
