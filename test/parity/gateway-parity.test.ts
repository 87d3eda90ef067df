/** The parity suite, short form: every case through the WebSocket connection and the HTTP bridge, compared. */
import { describe, expect, it } from 'vitest';
import { PARITY_CASES, runParity } from './parity-suite.ts';

describe('WebSocket gateway and HTTP bridge parity', () => {
  it('answers every case identically on both transports, and as each case expects', async () => {
    const report = await runParity();
    // Every listed case, plus the ordering-under-concurrency case.
    expect(report.cases).toBe(PARITY_CASES.length + 1);
    expect(report.differing).toEqual([]);
    expect(report.failed_expectations).toEqual([]);
    expect(report.identical).toBe(PARITY_CASES.length + 1);
  });
});
