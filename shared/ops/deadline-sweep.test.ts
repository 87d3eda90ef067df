import { describe, expect, it } from 'vitest';
import { FakeClock } from '../testing/fake-clock.ts';
import { DeadlineSweep } from './deadline-sweep.ts';

class Late extends Error {}
const never = () => new Promise<never>(() => {});
const flush = () => new Promise((r) => setImmediate(r));

/** Records how a bounded wait ended: 'ok:<value>', 'late:<label>' or still undefined. */
function watch<T>(p: Promise<T>) {
  const seen: { outcome?: string } = {};
  p.then(
    (v) => {
      seen.outcome = `ok:${String(v)}`;
    },
    (e: unknown) => {
      seen.outcome = e instanceof Late ? `late:${e.message}` : `error:${String(e)}`;
    },
  );
  return seen;
}

describe('DeadlineSweep', () => {
  it('bounds many concurrent waits with one timer, each failing at its own deadline', async () => {
    const clock = new FakeClock(0);
    const sweep = new DeadlineSweep(clock);
    const a = watch(sweep.bound(never(), 100, () => new Late('a')));
    const b = watch(sweep.bound(never(), 300, () => new Late('b')));
    const c = watch(sweep.bound(never(), 300, () => new Late('c')));
    expect(clock.pendingTimers()).toHaveLength(1);
    clock.advance(99);
    await flush();
    expect([a.outcome, b.outcome]).toEqual([undefined, undefined]);
    clock.advance(1);
    await flush();
    expect([a.outcome, b.outcome, c.outcome]).toEqual(['late:a', undefined, undefined]);
    expect(clock.pendingTimers().map((t) => t.at)).toEqual([300]);
    clock.advance(200);
    await flush();
    expect([b.outcome, c.outcome]).toEqual(['late:b', 'late:c']);
    expect(clock.pendingTimers()).toEqual([]);
    expect(sweep.pending).toBe(0);
  });

  it('passes values and errors through, and never fails a wait that settled in time', async () => {
    const clock = new FakeClock(0);
    const sweep = new DeadlineSweep(clock);
    await expect(sweep.bound(Promise.resolve(7), 50, () => new Late('x'))).resolves.toBe(7);
    await expect(
      sweep.bound(Promise.reject(new Error('store down')), 50, () => new Late('y')),
    ).rejects.toThrow('store down');
    const slow = watch(sweep.bound(never(), 500, () => new Late('slow')));
    clock.advance(50); // the first timer fires: nothing of the settled calls is due, the slow one is re-armed
    await flush();
    expect(slow.outcome).toBeUndefined();
    expect(clock.pendingTimers().map((t) => t.at)).toEqual([500]);
    clock.advance(450);
    await flush();
    expect(slow.outcome).toBe('late:slow');
  });

  it('re-arms earlier for a shorter wait that arrives later', async () => {
    const clock = new FakeClock(0);
    const sweep = new DeadlineSweep(clock);
    const long = watch(sweep.bound(never(), 1_000, () => new Late('long')));
    clock.advance(10);
    const short = watch(sweep.bound(never(), 20, () => new Late('short')));
    expect(clock.pendingTimers().map((t) => t.at)).toEqual([30]);
    clock.advance(20);
    await flush();
    expect([short.outcome, long.outcome]).toEqual(['late:short', undefined]);
    clock.advance(970);
    await flush();
    expect(long.outcome).toBe('late:long');
  });

  it('close() cancels its timer; a wait bound after it gets a timer of its own', async () => {
    const clock = new FakeClock(0);
    const sweep = new DeadlineSweep(clock);
    await sweep.bound(Promise.resolve('done'), 100, () => new Late('x'));
    expect(clock.pendingTimers()).toHaveLength(1);
    sweep.close();
    sweep.close();
    expect(clock.pendingTimers()).toEqual([]);
    const after = watch(sweep.bound(never(), 40, () => new Late('after')));
    clock.advance(40);
    await flush();
    expect(after.outcome).toBe('late:after');
  });
});
