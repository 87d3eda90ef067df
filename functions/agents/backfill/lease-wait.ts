/**
 * How long a backfill job waits before asking for a lease again. The lease service only knows when the
 * soonest lease expires (up to its TTL, minutes away), not when a running job will finish and release
 * its lease early (usually seconds), so a waiting job comes back at most every `LEASE_WAIT_POLL_MS`.
 * A few extra lease requests per waiting job per minute cost far less than minutes of idle slots.
 */
export const LEASE_WAIT_POLL_MS = 5_000;

/** The wait for a refused lease: until the soonest expiry, but never longer than one poll. */
export function leaseWaitMs(soonestExpiryMs: number): number {
  return Math.max(1, Math.min(soonestExpiryMs, LEASE_WAIT_POLL_MS));
}
