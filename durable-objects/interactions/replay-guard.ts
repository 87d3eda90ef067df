/**
 * The replay guard as the interaction path uses it: one InteractionReceipts Durable Object per
 * provider tenant, asked with a deadline. A guard that does not answer in time fails closed (the
 * interaction is refused with 503, never accepted unchecked), and the request still leaves well
 * inside Discord's 3 s.
 */
import type { ReceiptVerdict } from '../objects/interaction-receipts.ts';

export type GuardVerdict = ReceiptVerdict | 'timeout';

export interface ReplayGuard {
  admit(provider: string, tenant: string, interactionId: string, now: number): Promise<GuardVerdict>;
}

/** How long an accepted id is remembered: past the last moment its timestamp could still be fresh. */
export function rememberMsFor(maxSkewS: number): number {
  // Accepted at t ≥ ts − skew, a replay passes freshness until ts + skew ≤ t + 2·skew; one more minute of margin.
  return (2 * maxSkewS + 60) * 1000;
}

/** Default time the guard may take before the interaction is refused (of Discord's 3,000 ms). */
export const DEFAULT_GUARD_DEADLINE_MS = 1_500;

/** Resolves with `fallback` if `work` has not settled after `ms`. */
export async function withDeadline<T>(work: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The guard backed by the `INTERACTION_RECEIPTS` namespace. */
export function durableReplayGuard(
  namespace: DurableObjectNamespace<import('../objects/interaction-receipts.ts').InteractionReceipts>,
  maxSkewS: number,
  deadlineMs = DEFAULT_GUARD_DEADLINE_MS,
): ReplayGuard {
  return {
    admit: (provider, tenant, interactionId, now) => {
      const stub = namespace.get(namespace.idFromName(`${provider}:${tenant}`));
      const verdict = stub.admit(interactionId, now, rememberMsFor(maxSkewS)) as Promise<ReceiptVerdict>;
      // A late answer after the deadline is dropped; the id is still recorded by then.
      return withDeadline(
        verdict.catch((): GuardVerdict => 'timeout'),
        deadlineMs,
        'timeout',
      );
    },
  };
}

/** Requests the functions Worker gave up on (InteractionReceipts remembers them per tenant). */
export interface AbandonedRequests {
  wasAbandoned(provider: string, tenant: string, requestId: string): Promise<boolean>;
}

/** The abandonment ledger backed by the `INTERACTION_RECEIPTS` namespace. */
export function durableAbandonedRequests(
  namespace: DurableObjectNamespace<import('../objects/interaction-receipts.ts').InteractionReceipts>,
): AbandonedRequests & {
  abandon(provider: string, tenant: string, requestId: string, now: number): Promise<void>;
} {
  const stub = (provider: string, tenant: string) =>
    namespace.get(namespace.idFromName(`${provider}:${tenant}`));
  return {
    wasAbandoned: (provider, tenant, requestId) =>
      stub(provider, tenant).wasAbandoned(requestId) as Promise<boolean>,
    abandon: (provider, tenant, requestId, now) =>
      stub(provider, tenant).abandon(requestId, now) as Promise<void>,
  };
}
