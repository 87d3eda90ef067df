import { afterEach, describe, expect, it, vi } from 'vitest';
import { SystemScheduler } from '../broker/scheduler.ts';
import { seededRandom } from '../broker/seeded-random.ts';
import { FakeClock } from './fake-clock.ts';

describe('FakeClock', () => {
  it('starts at the given time and moves only when advanced', () => {
    const clock = new FakeClock(1_000);
    expect(clock.now()).toBe(1_000);
    clock.advance(250);
    expect(clock.now()).toBe(1_250);
  });

  it('fires due timers in time order, with now() at each timer’s due time', () => {
    const clock = new FakeClock();
    const seen: string[] = [];
    clock.setTimer(30, () => seen.push(`c@${clock.now()}`));
    clock.setTimer(10, () => seen.push(`a@${clock.now()}`));
    clock.setTimerAt(20, () => seen.push(`b@${clock.now()}`));
    expect(clock.advance(25)).toBe(2);
    expect(seen).toEqual(['a@10', 'b@20']);
    expect(clock.now()).toBe(25);
    clock.advance(5);
    expect(seen).toEqual(['a@10', 'b@20', 'c@30']);
  });

  it('fires timers due at the same time in the order they were set', () => {
    const clock = new FakeClock();
    const seen: number[] = [];
    for (const n of [1, 2, 3]) clock.setTimer(5, () => seen.push(n));
    clock.advance(5);
    expect(seen).toEqual([1, 2, 3]);
  });

  it('fires timers set by a callback when they fall inside the advanced window', () => {
    const clock = new FakeClock();
    const seen: number[] = [];
    clock.setTimer(10, () => {
      seen.push(clock.now());
      clock.setTimer(10, () => seen.push(clock.now()));
      clock.setTimer(100, () => seen.push(clock.now()));
    });
    clock.advance(50);
    expect(seen).toEqual([10, 20]);
    expect(clock.pendingTimers()).toEqual([{ id: 3, at: 110 }]);
  });

  it('fires a zero-delay timer on advance(0) and a past setTimerAt on the next advance', () => {
    const clock = new FakeClock(100);
    const seen: string[] = [];
    clock.setTimer(0, () => seen.push('zero'));
    clock.setTimerAt(50, () => seen.push('past'));
    expect(seen).toEqual([]);
    clock.advance(0);
    expect(seen).toEqual(['zero', 'past']);
  });

  it('cancels timers by handle or id, ignoring unknown ones', () => {
    const clock = new FakeClock();
    const seen: string[] = [];
    const a = clock.setTimer(10, () => seen.push('a'));
    const b = clock.schedule(10, () => seen.push('b'));
    clock.setTimer(10, () => seen.push('c'));
    clock.clearTimer(a);
    clock.cancel({ id: b.id });
    clock.clearTimer(999);
    expect(clock.pendingTimers()).toHaveLength(1);
    clock.advance(10);
    expect(seen).toEqual(['c']);
    expect(clock.pendingTimers()).toEqual([]);
  });

  it('is a manual scheduler', () => {
    expect(new FakeClock().manual).toBe(true);
  });

  it.each([
    ['a negative advance', (c: FakeClock) => c.advance(-1)],
    ['a NaN delay', (c: FakeClock) => c.setTimer(Number.NaN, () => {})],
    ['an infinite due time', (c: FakeClock) => c.setTimerAt(Number.POSITIVE_INFINITY, () => {})],
  ])('rejects %s', (_label, act) => {
    expect(() => act(new FakeClock())).toThrow(RangeError);
  });
});

describe('SystemScheduler', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs callbacks on real timers and can cancel them', async () => {
    vi.useFakeTimers({ now: 5_000 });
    const scheduler = new SystemScheduler();
    const seen: string[] = [];
    scheduler.schedule(20, () => seen.push('kept'));
    const cancelled = scheduler.schedule(10, () => seen.push('cancelled'));
    scheduler.cancel(cancelled);
    expect(scheduler.now()).toBe(5_000);
    expect(scheduler.pendingTimers()).toBe(1);
    await vi.advanceTimersByTimeAsync(20);
    expect(seen).toEqual(['kept']);
    expect(scheduler.pendingTimers()).toBe(0);
    expect(scheduler.manual).toBe(false);
  });
});

describe('seededRandom', () => {
  it('replays the same sequence from the same seed', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const first = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(first);
    expect(first.every((n) => n >= 0 && n < 1)).toBe(true);
    expect(Array.from({ length: 5 }, () => seededRandom(43).next())[0]).not.toBe(first[0]);
  });

  it('draws integers inside the inclusive range and shuffles into a permutation', () => {
    const random = seededRandom(7);
    const draws = Array.from({ length: 200 }, () => random.int(3, 5));
    expect(new Set(draws)).toEqual(new Set([3, 4, 5]));
    const shuffled = random.shuffle([1, 2, 3, 4, 5, 6, 7, 8]);
    expect([...shuffled].sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(shuffled).not.toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });
});
