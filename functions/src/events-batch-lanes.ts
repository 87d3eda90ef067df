/**
 * How many envelopes of a `promethean-events` batch the router settles at once (docs/operations.md,
 * Freshness). Each envelope mostly waits on the document store, the model and Chroma, and the envelopes that
 * wait together share those round trips (runtime-coalescing.ts): the more lanes, the larger each shared call.
 * At 32 lanes a live burst at 200 messages/s wrote ~8 vectors per Chroma request, and Chroma's cost is
 * per request (~17 CPU-ms), not per vector (~0.8): the stack spent its CPU on request overheads and fell
 * behind. At 512 a batch of a live burst runs whole (under load the gateway coalesces ~10 envelopes per queue
 * message, a batch takes at most 50), so its writes are one shared call per tenant and store.
 */
import { type NumberVarSpec, numberVarOrFallback } from '@promethean/shared/platform/number-var';

export const EVENTS_BATCH_LANES = 512;

/** `EVENTS_CONCURRENCY` (a functions Worker var, for benchmarks and operators): a positive integer. */
export const EVENTS_CONCURRENCY: NumberVarSpec = {
  name: 'EVENTS_CONCURRENCY',
  fallback: EVENTS_BATCH_LANES,
  min: 1,
  max: 5_000,
  integer: true,
};

/** The lanes for an events batch: `EVENTS_CONCURRENCY` when set and valid, else EVENTS_BATCH_LANES (an invalid value is logged). */
export function eventsBatchLanes(vars: { EVENTS_CONCURRENCY?: unknown }): number {
  return numberVarOrFallback(EVENTS_CONCURRENCY, vars.EVENTS_CONCURRENCY);
}
