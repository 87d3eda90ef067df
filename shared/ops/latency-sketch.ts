/**
 * A mergeable latency sketch: fixed log-scale buckets (the DDSketch mapping) so histograms from any
 * number of isolates add up exactly, and every quantile is within `RELATIVE_ACCURACY` of the true value.
 */

/** Quantiles are within 2 % (relative) of the exact nearest-rank quantile of the recorded values. */
export const RELATIVE_ACCURACY = 0.02;
const GAMMA = (1 + RELATIVE_ACCURACY) / (1 - RELATIVE_ACCURACY);
const LOG_GAMMA = Math.log(GAMMA);
/** Values below this (ms) are counted as zero: sub-microsecond differences mean nothing here. */
const MIN_VALUE_MS = 0.001;

/** The JSON form a sketch travels in (flushes, the ledger's storage): sparse bucket counts. */
export interface SketchData {
  /** Values below `MIN_VALUE_MS` (including 0). */
  zero: number;
  /** bucket index → count; bucket i holds values in (γ^(i-1), γ^i]. */
  buckets: Record<string, number>;
  count: number;
  sum: number;
  max: number;
}

function bucketIndex(value: number): number {
  return Math.ceil(Math.log(value) / LOG_GAMMA);
}

/** The representative value of bucket i: within RELATIVE_ACCURACY of everything the bucket holds. */
function bucketValue(index: number): number {
  return (2 * GAMMA ** index) / (GAMMA + 1);
}

export class LatencySketch {
  #zero = 0;
  readonly #buckets = new Map<number, number>();
  #count = 0;
  #sum = 0;
  #max = 0;

  /** Rebuilds a sketch from its JSON form (throws on negative or non-integer counts). */
  static from(data: SketchData): LatencySketch {
    const sketch = new LatencySketch();
    sketch.merge(data);
    return sketch;
  }

  get count(): number {
    return this.#count;
  }

  get sum(): number {
    return this.#sum;
  }

  get max(): number {
    return this.#max;
  }

  /** Records one latency in milliseconds; negative or non-finite values are refused. */
  record(valueMs: number, times = 1): void {
    if (!Number.isFinite(valueMs) || valueMs < 0)
      throw new RangeError(`latency must be >= 0 ms, got ${valueMs}`);
    if (valueMs < MIN_VALUE_MS) this.#zero += times;
    else {
      const i = bucketIndex(valueMs);
      this.#buckets.set(i, (this.#buckets.get(i) ?? 0) + times);
    }
    this.#count += times;
    this.#sum += valueMs * times;
    this.#max = Math.max(this.#max, valueMs);
  }

  /** Adds another sketch's counts to this one (exact: the buckets are the same everywhere). */
  merge(other: LatencySketch | SketchData): void {
    const data = other instanceof LatencySketch ? other.toJSON() : other;
    for (const [key, n] of Object.entries(data.buckets)) {
      if (!Number.isInteger(n) || n < 0) throw new RangeError(`sketch bucket ${key} has count ${n}`);
      const i = Number(key);
      this.#buckets.set(i, (this.#buckets.get(i) ?? 0) + n);
    }
    this.#zero += data.zero;
    this.#count += data.count;
    this.#sum += data.sum;
    this.#max = Math.max(this.#max, data.max);
  }

  /**
   * The nearest-rank quantile (the value at rank ⌈q·n⌉), within RELATIVE_ACCURACY; null when empty.
   * Never reports more than the largest value recorded.
   */
  quantile(q: number): number | null {
    if (q < 0 || q > 1) throw new RangeError(`quantile must be in [0, 1], got ${q}`);
    if (this.#count === 0) return null;
    const rank = Math.max(1, Math.ceil(q * this.#count));
    let seen = this.#zero;
    if (seen >= rank) return 0;
    for (const i of [...this.#buckets.keys()].sort((a, b) => a - b)) {
      seen += this.#buckets.get(i)!;
      if (seen >= rank) return Math.min(bucketValue(i), this.#max);
    }
    return this.#max;
  }

  toJSON(): SketchData {
    const buckets: Record<string, number> = {};
    for (const [i, n] of [...this.#buckets].sort((a, b) => a[0] - b[0])) buckets[String(i)] = n;
    return { zero: this.#zero, buckets, count: this.#count, sum: this.#sum, max: this.#max };
  }
}
