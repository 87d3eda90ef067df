import { describe, expect, it } from 'vitest';
import { DropOldestQueue } from './drop-oldest-queue.ts';

describe('DropOldestQueue', () => {
  it('keeps the newest items and counts what it dropped', () => {
    const q = new DropOldestQueue<number>(3);
    const evicted = [1, 2, 3, 4, 5].map((n) => q.push(n));
    expect(evicted).toEqual([undefined, undefined, undefined, 1, 2]);
    expect(q.dropped).toBe(2);
    expect([q.shift(), q.shift(), q.shift(), q.shift()]).toEqual([3, 4, 5, undefined]);
  });

  it('stays correct across compaction', () => {
    const q = new DropOldestQueue<number>(5_000);
    for (let i = 0; i < 4_000; i++) q.push(i);
    for (let i = 0; i < 3_000; i++) expect(q.shift()).toBe(i);
    q.push(9_999);
    expect(q.size).toBe(1_001);
    expect(q.peek()).toBe(3_000);
  });

  it('refuses a capacity below one', () => {
    expect(() => new DropOldestQueue(0)).toThrow(RangeError);
  });
});
