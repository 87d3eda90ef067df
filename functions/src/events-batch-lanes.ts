/**
 * How many envelopes of a `promethean-events` batch the router settles at once (docs/operations.md,
 * Freshness). Each envelope mostly waits on the document store, the model and Chroma, and the envelopes that
 * wait together share those round trips (runtime-coalescing.ts): the more lanes, the larger each shared call.
 * At 32 lanes a live burst at 200 messages/s wrote ~8 vectors per Chroma request, and Chroma's cost is
 * per request (~17 CPU-ms), not per vector (~0.8): the stack spent its CPU on request overheads and fell
 * behind. At 512 a batch of a live burst runs whole (under load the gateway coalesces ~10 envelopes per queue
 * message, a batch takes at most 50), so its writes are one shared call per tenant and store.
 */
import { z } from 'zod';

export const EVENTS_BATCH_LANES = 512;

/** `EVENTS_CONCURRENCY` (a functions Worker var, for benchmarks and operators): a positive integer. */
const LanesVar = z.coerce.number().int().positive().max(5_000);

/** The lanes for an events batch: `EVENTS_CONCURRENCY` when set and valid, else EVENTS_BATCH_LANES. */
export function eventsBatchLanes(vars: { EVENTS_CONCURRENCY?: unknown }): number {
  if (vars.EVENTS_CONCURRENCY === undefined || vars.EVENTS_CONCURRENCY === '') return EVENTS_BATCH_LANES;
  const parsed = LanesVar.safeParse(vars.EVENTS_CONCURRENCY);
  return parsed.success ? parsed.data : EVENTS_BATCH_LANES;
}
