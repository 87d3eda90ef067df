import { describe, expect, it } from 'vitest';
import {
  acquireHost,
  type HostGateOptions,
  INITIAL_HOST_GATE,
  releaseHost,
  TokenBucket,
} from './host-politeness.ts';

const O: HostGateOptions = { delay_ms: 1000, rate: 1, lease_ms: 30_000 };

describe('host gate', () => {
  it('lets one request in at a time', () => {
    const [s1, a] = acquireHost(INITIAL_HOST_GATE, 'm1', 0, O);
    expect(a.granted).toBe(true);
    const [, b] = acquireHost(s1, 'm2', 5000, O);
    expect(b.granted).toBe(false);
    const [, c] = acquireHost(releaseHost(s1, 'm1'), 'm2', 5000, O);
    expect(c.granted).toBe(true);
  });
  it('keeps the crawl delay between starts and says how long to wait', () => {
    const [s1] = acquireHost(INITIAL_HOST_GATE, 'm1', 10_000, O);
    const [, b] = acquireHost(releaseHost(s1, 'm1'), 'm2', 10_400, O);
    expect(b).toEqual({ granted: false, wait_ms: 600 });
    expect(acquireHost(releaseHost(s1, 'm1'), 'm2', 11_000, O)[1].granted).toBe(true);
  });
  it('takes back the slot of a holder that vanished', () => {
    const [s1] = acquireHost(INITIAL_HOST_GATE, 'dead', 0, O);
    expect(acquireHost(s1, 'm2', 29_999, O)[1].granted).toBe(false);
    expect(acquireHost(s1, 'm2', 30_000, O)[1].granted).toBe(true);
  });
  it('never grants more than the rate over any window', () => {
    let state = INITIAL_HOST_GATE;
    const starts: number[] = [];
    for (let t = 0; t < 20_000; t += 37) {
      const [next, answer] = acquireHost(state, `m${t}`, t, { delay_ms: 250, rate: 2, lease_ms: 1000 });
      state = answer.granted ? releaseHost(next, `m${t}`) : next;
      if (answer.granted) starts.push(t);
    }
    for (let i = 2; i < starts.length; i++)
      expect((starts[i] as number) - (starts[i - 2] as number)).toBeGreaterThanOrEqual(999);
  });
});

describe('TokenBucket', () => {
  it('refills at its rate up to its burst', () => {
    const b = new TokenBucket(2, 2, { tokens: 2, updated_at: 0 });
    expect(b.take(0)).toBe(0);
    expect(b.take(0)).toBe(0);
    expect(b.take(0)).toBe(500);
    expect(b.take(500)).toBe(0);
  });
});
