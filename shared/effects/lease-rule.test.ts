import { describe, expect, it } from 'vitest';
import { decideLease } from './lease-rule.ts';
import { MemoryLeases } from './memory-leases.ts';

/** A clock that moves only when told to. */
class FixedClock {
  constructor(private ms: number) {}
  now(): number {
    return this.ms;
  }
  set(ms: number): void {
    this.ms = ms;
  }
}

describe('counting leases', () => {
  it('grants up to the limit, then says how long until the first place frees up', async () => {
    const clock = new FixedClock(1_000);
    const leases = new MemoryLeases(clock);
    expect((await leases.acquire('backfill', 'a', 2, 60_000)).granted).toBe(true);
    clock.set(2_000);
    expect((await leases.acquire('backfill', 'b', 2, 60_000)).granted).toBe(true);
    const refused = await leases.acquire('backfill', 'c', 2, 60_000);
    expect(refused).toEqual({ granted: false, holders: 2, retry_after_ms: 59_000 });
  });

  it('renews an existing holder instead of taking a second place', async () => {
    const clock = new FixedClock(0);
    const leases = new MemoryLeases(clock);
    await leases.acquire('x', 'a', 1, 10_000);
    clock.set(9_000);
    expect(await leases.acquire('x', 'a', 1, 10_000)).toEqual({
      granted: true,
      holders: 1,
      retry_after_ms: 0,
    });
    clock.set(15_000);
    expect((await leases.acquire('x', 'b', 1, 10_000)).granted).toBe(false);
  });

  it('lets a new holder in once a crashed holder stops renewing', async () => {
    const clock = new FixedClock(0);
    const leases = new MemoryLeases(clock);
    await leases.acquire('x', 'crashed', 1, 10_000);
    clock.set(10_001);
    expect((await leases.acquire('x', 'next', 1, 10_000)).granted).toBe(true);
    expect(leases.holders('x')).toEqual(['next']);
  });

  it('frees a place on release', async () => {
    const leases = new MemoryLeases(new FixedClock(0));
    await leases.acquire('x', 'a', 1, 10_000);
    await leases.release('x', 'a');
    expect((await leases.acquire('x', 'b', 1, 10_000)).granted).toBe(true);
  });

  it('refuses nonsense limits', () => {
    expect(() => decideLease([], 'a', 0, 1, 0)).toThrow(RangeError);
    expect(() => decideLease([], 'a', 1, 0, 0)).toThrow(RangeError);
  });
});
