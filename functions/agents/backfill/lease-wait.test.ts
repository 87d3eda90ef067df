import { describe, expect, it } from 'vitest';
import { LEASE_WAIT_POLL_MS, leaseWaitMs } from './lease-wait.ts';

describe('leaseWaitMs', () => {
  it('comes back when the soonest lease expires if that is sooner than a poll', () => {
    expect(leaseWaitMs(1_200)).toBe(1_200);
  });

  it('polls instead of sleeping until a lease that may be released long before its TTL expires', () => {
    expect(leaseWaitMs(119_000)).toBe(LEASE_WAIT_POLL_MS);
  });

  it('never asks for a zero or negative delay', () => {
    expect(leaseWaitMs(0)).toBe(1);
  });
});
