import { describe, expect, it } from 'vitest';
import { FUNCTION_AGENTS } from './agents.ts';
import { EVENTS_BATCH_LANES, eventsBatchLanes } from './events-batch-lanes.ts';

describe('eventsBatchLanes', () => {
  it('is EVENTS_BATCH_LANES unless EVENTS_CONCURRENCY names a positive integer', () => {
    expect(eventsBatchLanes({})).toBe(EVENTS_BATCH_LANES);
    expect(eventsBatchLanes({ EVENTS_CONCURRENCY: '' })).toBe(EVENTS_BATCH_LANES);
    expect(eventsBatchLanes({ EVENTS_CONCURRENCY: '32' })).toBe(32);
    expect(eventsBatchLanes({ EVENTS_CONCURRENCY: 128 })).toBe(128);
    for (const bad of ['0', '-4', '2.5', 'many', '100000'])
      expect(eventsBatchLanes({ EVENTS_CONCURRENCY: bad })).toBe(EVENTS_BATCH_LANES);
  });

  it("fits the limits of every agent of a live message: one batch alone never makes admission defer a tenant's envelopes", () => {
    const live = FUNCTION_AGENTS.filter((a) =>
      a.manifest.inputs.some((i) => i.schema === 'SocialMessageCreated'),
    );
    expect(live.map((a) => a.manifest.id).sort()).toEqual(
      ['attachment-indexer', 'cephalon', 'message-embedder', 'message-indexer'].sort(),
    );
    for (const a of live) {
      expect(a.manifest.limits.max_in_flight, a.manifest.id).toBeGreaterThanOrEqual(EVENTS_BATCH_LANES);
      expect(a.manifest.limits.max_in_flight_per_tenant, a.manifest.id).toBeGreaterThanOrEqual(
        EVENTS_BATCH_LANES,
      );
    }
  });
});
