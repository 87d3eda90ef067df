import { describe, expect, it } from 'vitest';
import { seededRandom } from '../broker/seeded-random.ts';
import { LatencySketch, RELATIVE_ACCURACY } from './latency-sketch.ts';

function exactQuantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1]!;
}

describe('LatencySketch', () => {
  it('keeps p50, p95 and p99 within its stated relative accuracy', () => {
    const random = seededRandom(42);
    const values = Array.from({ length: 5_000 }, () => Math.exp(random.next() * 9)); // ~1 ms to ~8 s
    const sketch = new LatencySketch();
    for (const v of values) sketch.record(v);
    for (const q of [0.5, 0.95, 0.99]) {
      const exact = exactQuantile(values, q);
      expect(Math.abs(sketch.quantile(q)! - exact) / exact).toBeLessThanOrEqual(RELATIVE_ACCURACY);
    }
    expect(sketch.count).toBe(5_000);
    expect(sketch.max).toBe(Math.max(...values));
  });

  it('merges exactly: two halves merged answer like one sketch of everything', () => {
    const random = seededRandom(7);
    const values = Array.from({ length: 1_000 }, () => random.next() * 500);
    const whole = new LatencySketch();
    const a = new LatencySketch();
    const b = new LatencySketch();
    values.forEach((v, i) => {
      whole.record(v);
      (i % 2 === 0 ? a : b).record(v);
    });
    const merged = LatencySketch.from(JSON.parse(JSON.stringify(a)));
    merged.merge(b.toJSON());
    expect(merged.toJSON().buckets).toEqual(whole.toJSON().buckets);
    expect(merged.quantile(0.95)).toBe(whole.quantile(0.95));
    expect(merged.count).toBe(1_000);
  });

  it('counts zero latencies and answers null when empty', () => {
    const sketch = new LatencySketch();
    expect(sketch.quantile(0.5)).toBeNull();
    sketch.record(0, 3);
    sketch.record(10);
    expect(sketch.quantile(0.5)).toBe(0);
    expect(sketch.quantile(1)).toBeCloseTo(10, 0);
    expect(sketch.toJSON()).toMatchObject({ zero: 3, count: 4, sum: 10, max: 10 });
  });

  it('refuses negative latencies and corrupt counts', () => {
    expect(() => new LatencySketch().record(-1)).toThrow(RangeError);
    expect(() => LatencySketch.from({ zero: 0, buckets: { '3': -2 }, count: 0, sum: 0, max: 0 })).toThrow(
      /count -2/,
    );
  });
});
