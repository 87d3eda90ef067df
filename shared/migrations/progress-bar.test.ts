import { describe, expect, it } from 'vitest';
import { ProgressBar } from './progress-bar.ts';

describe('ProgressBar', () => {
  it('shows the bar, counts, rate and ETA from its clock', () => {
    let now = 0;
    const bar = new ProgressBar(() => now);
    expect(bar.line('0002_contract_indexes', 0, 10)).toBe(
      '0002_contract_indexes [--------------------] 0% 0/10 0.0/s ETA ?',
    );
    now = 2_000;
    expect(bar.line('0002_contract_indexes', 5, 10)).toBe(
      '0002_contract_indexes [##########----------] 50% 5/10 2.5/s ETA 2.0s',
    );
    now = 4_000;
    expect(bar.line('0002_contract_indexes', 10, 10)).toBe(
      '0002_contract_indexes [####################] 100% 10/10 2.5/s ETA 0.0s',
    );
  });
});
