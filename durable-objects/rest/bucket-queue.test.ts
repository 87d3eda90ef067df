import { describe, expect, it } from 'vitest';
import { BucketQueue } from './bucket-queue.ts';
import { ManualClock } from './manual-clock.ts';

describe('BucketQueue', () => {
  it('sends in arrival order, one at a time', async () => {
    const clock = new ManualClock();
    const q = new BucketQueue('b:1', clock);
    const order: number[] = [];
    let active = 0;
    const job = (n: number) =>
      q.run(async () => {
        active++;
        expect(active).toBe(1);
        await Promise.resolve();
        order.push(n);
        active--;
      });
    await Promise.all([job(1), job(2), job(3)]);
    expect(order).toEqual([1, 2, 3]);
  });

  it('waits for the reset instead of sending into an exhausted bucket', async () => {
    const clock = new ManualClock(1_000);
    const q = new BucketQueue('b:1', clock);
    q.update(2, 0, 500);
    const sentAt: number[] = [];
    const done = q.run(async () => void sentAt.push(clock.now()));
    await clock.advance(499);
    expect(sentAt).toEqual([]);
    await clock.advance(1);
    await done;
    expect(sentAt).toEqual([1_500]);
  });

  it('blocks after a 429 for retry_after', async () => {
    const clock = new ManualClock();
    const q = new BucketQueue('b:1', clock);
    q.block(2_000);
    expect(q.waitMs()).toBe(2_000);
    await clock.advance(2_000);
    expect(q.waitMs()).toBe(0);
  });

  it('reports its state', () => {
    const clock = new ManualClock();
    const q = new BucketQueue('abc:123', clock);
    q.update(5, 3, 1_000);
    expect(q.state()).toEqual({ id: 'abc:123', limit: 5, remaining: 3, reset_in_ms: 1_000, waiting: 0 });
  });
});
