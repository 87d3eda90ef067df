/**
 * The chaos suite, short: a few seeds of `npm run test:chaos` at a smaller size (real FerretDB, Chroma,
 * workerd and fake Discord, every fault kind), each of which must lose, duplicate and dead-letter nothing;
 * and the control that keeps the audit honest — silently dropped messages must show up as lost.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_FAULT_RATES } from './chaos-faults.ts';
import { type ChaosOptions, DEFAULT_CHAOS_OPTIONS, runChaos } from './chaos-run.ts';

const SHORT: ChaosOptions = {
  ...DEFAULT_CHAOS_OPTIONS,
  messages: 36,
  backfill: 80,
  waves: 3,
  timeLimitMs: 120_000,
  log: () => undefined,
};

describe('chaos, short', () => {
  it.each([3, 11])(
    'seed %i: every store matches the input, nothing duplicated or dead-lettered',
    async (seed) => {
      const r = await runChaos({ ...SHORT, seed });
      expect(r.findings).toEqual([]);
      expect(r.errors).toEqual([]);
      expect(r).toMatchObject({ completed: true, lost: 0, duplicated: 0, dead_lettered: 0, unexpected: 0 });
      // The faults did happen, and work was redone because of them.
      expect(r.faults).toMatchObject({ mongo_restarts: 1, chroma_restarts: 1 });
      expect(r.faults.durable_object_evictions).toBeGreaterThan(0);
      expect(r.faults.crashes_before_invoke + r.faults.crashes_after_write).toBeGreaterThan(0);
      expect(r.faults.reordered_deliveries).toBeGreaterThan(0);
      expect(r.recovered).toBeGreaterThan(0);
      expect(r.messages).toBe(SHORT.messages + SHORT.backfill);
    },
  );

  it('reports messages dropped after the broker accepted them as lost', async () => {
    const r = await runChaos({ ...SHORT, seed: 3, rates: { ...DEFAULT_FAULT_RATES, silent_drop: 0.25 } });
    expect(r.faults.silent_drops).toBeGreaterThan(0);
    expect(r.lost).toBeGreaterThanOrEqual(r.faults.silent_drops);
    expect(r.findings.map((f) => f.what)).toContainEqual(
      expect.stringMatching(/^document of message \d+ missing$/),
    );
  });
});
