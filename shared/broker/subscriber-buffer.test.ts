import { describe, expect, it } from 'vitest';
import { SubscriberBuffer } from './subscriber-buffer.ts';

const entry = (seq: number, dueAt = 0) => ({ seq, dueAt });

describe('SubscriberBuffer', () => {
  it('hands out due entries earliest first and keeps the rest', () => {
    const buffer = new SubscriberBuffer(10, 'throw');
    buffer.offer(entry(1, 30));
    buffer.offer(entry(2, 10));
    buffer.offer(entry(3, 10));
    expect(buffer.takeDue(20).map((e) => e.seq)).toEqual([2, 3]);
    expect(buffer.size).toBe(1);
    expect(buffer.nextDueAt()).toBe(30);
  });

  it("'drop-oldest' evicts the oldest entry to make room", () => {
    const buffer = new SubscriberBuffer(2, 'drop-oldest');
    buffer.offer(entry(1));
    buffer.offer(entry(2));
    expect(buffer.offer(entry(3))).toEqual({ outcome: 'dropped-oldest', evicted: entry(1) });
    expect(buffer.takeDue(0).map((e) => e.seq)).toEqual([2, 3]);
  });

  it("'drop-newest' discards the offered entry", () => {
    const buffer = new SubscriberBuffer(2, 'drop-newest');
    buffer.offer(entry(1));
    buffer.offer(entry(2));
    expect(buffer.offer(entry(3))).toEqual({ outcome: 'dropped-newest' });
    expect(buffer.takeDue(0).map((e) => e.seq)).toEqual([1, 2]);
  });

  it("'throw' reports full and changes nothing", () => {
    const buffer = new SubscriberBuffer(1, 'throw');
    buffer.offer(entry(1));
    expect(buffer.offer(entry(2))).toEqual({ outcome: 'full' });
    expect(buffer.size).toBe(1);
  });

  it("'block' holds the entry outside until taking entries makes room", async () => {
    const buffer = new SubscriberBuffer(1, 'block');
    buffer.offer(entry(1));
    const result = buffer.offer(entry(2));
    expect(result.outcome).toBe('blocked');
    let admitted = false;
    if (result.outcome === 'blocked') void result.admitted.then(() => (admitted = true));
    await Promise.resolve();
    expect(admitted).toBe(false);
    expect(buffer.blockedCount).toBe(1);
    expect(buffer.takeDue(0).map((e) => e.seq)).toEqual([1]);
    await Promise.resolve();
    expect(admitted).toBe(true);
    expect(buffer.takeDue(0).map((e) => e.seq)).toEqual([2]);
  });

  it('queues behind blocked entries even when room appears, keeping publish order', () => {
    const buffer = new SubscriberBuffer(1, 'block');
    buffer.offer(entry(1));
    buffer.offer(entry(2));
    buffer.takeDue(0);
    expect(buffer.offer(entry(3)).outcome).toBe('blocked');
    expect(buffer.takeDue(0).map((e) => e.seq)).toEqual([2]);
    expect(buffer.takeDue(0).map((e) => e.seq)).toEqual([3]);
  });

  it('accepts a redelivery even when full', () => {
    const buffer = new SubscriberBuffer(1, 'throw');
    buffer.offer(entry(2));
    buffer.requeue(entry(1));
    expect(buffer.size).toBe(2);
    expect(buffer.takeDue(0).map((e) => e.seq)).toEqual([1, 2]);
  });

  it('rejects blocked entries when cleared with an error', async () => {
    const buffer = new SubscriberBuffer(1, 'block');
    buffer.offer(entry(1));
    const result = buffer.offer(entry(2));
    buffer.clear(new Error('closed'));
    expect(buffer.size).toBe(0);
    if (result.outcome !== 'blocked') throw new Error('expected blocked');
    await expect(result.admitted).rejects.toThrow('closed');
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new SubscriberBuffer(0, 'throw')).toThrow(/positive integer/);
    expect(() => new SubscriberBuffer(1.5, 'throw')).toThrow(/positive integer/);
  });
});
