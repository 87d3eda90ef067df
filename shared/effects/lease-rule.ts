/** The counting-lease rule both lease stores apply: drop expired holders, renew, or grant while places remain. */
import type { LeaseGrant } from './effect-ports.ts';

export interface LeaseHolder {
  holder: string;
  expires_at: number;
}

export interface LeaseDecision {
  grant: LeaseGrant;
  /** The holders to keep after the decision (expired ones removed, the caller added or renewed). */
  holders: LeaseHolder[];
}

/** Decides one acquire against the current holders of a lease at time `now`. */
export function decideLease(
  current: readonly LeaseHolder[],
  holder: string,
  limit: number,
  ttlMs: number,
  now: number,
): LeaseDecision {
  if (!Number.isInteger(limit) || limit < 1)
    throw new RangeError(`lease limit must be a positive integer, got ${limit}`);
  if (!(ttlMs > 0)) throw new RangeError(`lease ttl must be positive, got ${ttlMs}`);
  const live = current.filter((h) => h.expires_at > now);
  const renewed = { holder, expires_at: now + ttlMs };
  if (live.some((h) => h.holder === holder)) {
    const holders = live.map((h) => (h.holder === holder ? renewed : h));
    return { grant: { granted: true, holders: holders.length, retry_after_ms: 0 }, holders };
  }
  if (live.length < limit) {
    const holders = [...live, renewed];
    return { grant: { granted: true, holders: holders.length, retry_after_ms: 0 }, holders };
  }
  const soonest = Math.min(...live.map((h) => h.expires_at));
  return {
    grant: { granted: false, holders: live.length, retry_after_ms: Math.max(1, soonest - now) },
    holders: live,
  };
}
