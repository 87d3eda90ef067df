import type { Envelope } from '@promethean/schemas/envelope';
import { testEnvelopes } from '@promethean/shared/testing/test-envelopes';
import { describe, expect, it } from 'vitest';
import { coalesceModeOf, DispatchCoalescer } from './dispatch-coalescer.ts';

const LIMITS = { windowMs: 100, busyGapMs: 100, envelopes: 4, bytes: 96_000 };

function chats(n: number): Envelope[] {
  const e = testEnvelopes();
  return Array.from({ length: n }, (_, i) => e.chat(`m${i}`));
}

describe('DispatchCoalescer', () => {
  it('publishes a dispatch after a quiet spell at once', () => {
    const c = new DispatchCoalescer('window', LIMITS);
    const [a, b] = chats(2);
    expect(c.add([a!], 1_000)).toBeUndefined();
    expect(c.take()).toEqual([a]);
    // 150 ms later is quiet again.
    expect(c.add([b!], 1_150)).toBeUndefined();
  });

  it('holds dispatches that follow closely, at most the window after the oldest held', () => {
    const c = new DispatchCoalescer('window', LIMITS);
    const [a, b, d] = chats(3);
    expect(c.add([a!], 1_000)).toBeUndefined();
    c.take();
    expect(c.add([b!], 1_005)).toBe(1_105);
    expect(c.add([d!], 1_010)).toBe(1_105);
    expect(c.add([], 1_106)).toBeUndefined();
    expect(c.take()).toEqual([b, d]);
  });

  it('publishes at once when the count limit is reached', () => {
    const c = new DispatchCoalescer('window', LIMITS);
    const list = chats(5);
    c.add([list[0]!], 0);
    c.take();
    expect(c.add([list[1]!], 1)).toBe(101);
    expect(c.add([list[2]!], 2)).toBe(101);
    expect(c.add([list[3]!], 3)).toBe(101);
    expect(c.add([list[4]!], 4)).toBeUndefined();
    expect(c.take()).toHaveLength(4);
  });

  it('publishes at once when the byte limit is reached', () => {
    const list = chats(3);
    const size = JSON.stringify(list[0]).length;
    const c = new DispatchCoalescer('window', { ...LIMITS, envelopes: 100, bytes: size * 2 });
    c.add([list[0]!], 0);
    c.take();
    expect(c.add([list[1]!], 1)).toBe(101);
    expect(c.add([list[2]!], 2)).toBeUndefined();
  });

  it('never holds in the off mode, and the mode is off only when GATEWAY_COALESCE says exactly so', () => {
    const c = new DispatchCoalescer('off', LIMITS);
    const [a, b] = chats(2);
    expect(c.add([a!], 0)).toBeUndefined();
    expect(c.add([b!], 1)).toBeUndefined();
    expect(c.take()).toEqual([a, b]);
    expect(coalesceModeOf('off')).toBe('off');
    expect(coalesceModeOf(undefined)).toBe('window');
    expect(coalesceModeOf('window')).toBe('window');
  });

  it('puts a failed publish back ahead of what arrived since, for the next flush', () => {
    const c = new DispatchCoalescer('window', LIMITS);
    const [a, b, d] = chats(3);
    c.add([a!], 0);
    const taken = c.take();
    c.add([b!], 10);
    c.restore(taken, 20);
    expect(c.add([d!], 30)).toBe(120);
    expect(c.take()).toEqual([a, b, d]);
  });
});
