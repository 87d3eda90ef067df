import type { StatusSnapshot } from '@promethean/shared/ops/status-snapshot';
import { describe, expect, it } from 'vitest';
import { SharedStatus } from './shared-status.ts';

function snapshot(n: number, broken = false): StatusSnapshot {
  return {
    generated_at: new Date(n).toISOString(),
    functions: { isolate: 'i', health: [], in_flight: {}, rejected: {} },
    ledger: broken ? null : ({ n } as unknown as StatusSnapshot['ledger']),
    ...(broken && { ledger_error: 'the ops ledger did not answer within 3000 ms' }),
    access: { n } as unknown as StatusSnapshot['access'],
  };
}

/** A gather the test settles by hand, counting how often it was started. */
function controlledGather() {
  const pending: Array<(s: StatusSnapshot) => void> = [];
  return {
    gather: () => new Promise<StatusSnapshot>((resolve) => pending.push(resolve)),
    started: () => pending.length,
    settle: (i: number, s: StatusSnapshot) => pending[i]!(s),
  };
}

describe('SharedStatus', () => {
  it('lets the callers of one invocation share the one gather in flight', async () => {
    const now = 1_000;
    const shared = new SharedStatus({ maxAgeMs: 2_000, now: () => now });
    const g = controlledGather();
    const read = shared.reader(g.gather);
    const answers = Promise.all([read(), read(), read()]);
    expect(g.started()).toBe(1);
    g.settle(0, snapshot(1));
    expect((await answers).map((s) => s.generated_at)).toEqual(Array(3).fill(snapshot(1).generated_at));
  });

  it('answers later invocations from the kept snapshot until it is maxAgeMs old, then gathers again', async () => {
    let now = 1_000;
    const shared = new SharedStatus({ maxAgeMs: 2_000, now: () => now });
    const g = controlledGather();
    const first = shared.reader(g.gather)();
    g.settle(0, snapshot(1));
    await first;
    now = 2_999;
    expect((await shared.reader(g.gather)()).generated_at).toBe(snapshot(1).generated_at);
    expect(g.started()).toBe(1);
    now = 3_000;
    const again = shared.reader(g.gather)();
    expect(g.started()).toBe(2);
    g.settle(1, snapshot(2));
    expect((await again).generated_at).toBe(snapshot(2).generated_at);
  });

  it('answers a snapshot with a part missing but does not keep it', async () => {
    const now = 1_000;
    const shared = new SharedStatus({ maxAgeMs: 2_000, now: () => now });
    const g = controlledGather();
    const broken = shared.reader(g.gather)();
    g.settle(0, snapshot(1, true));
    expect((await broken).ledger_error).toBeDefined();
    const next = shared.reader(g.gather)();
    expect(g.started()).toBe(2);
    g.settle(1, snapshot(2));
    expect((await next).ledger).not.toBeNull();
  });

  it('does not replace a newer kept snapshot with one whose gather started earlier', async () => {
    let now = 1_000;
    const shared = new SharedStatus({ maxAgeMs: 2_000, now: () => now });
    const g = controlledGather();
    const slow = shared.reader(g.gather)();
    now = 1_500;
    const fast = shared.reader(g.gather)();
    g.settle(1, snapshot(2));
    await fast;
    g.settle(0, snapshot(1));
    await slow;
    now = 3_400;
    expect((await shared.reader(g.gather)()).generated_at).toBe(snapshot(2).generated_at);
    expect(g.started()).toBe(2);
  });

  it('gathers again once a failed gather has settled', async () => {
    const shared = new SharedStatus({ now: () => 0 });
    let calls = 0;
    const read = shared.reader(async () => {
      calls++;
      if (calls === 1) throw new Error('boom');
      return snapshot(3);
    });
    await expect(read()).rejects.toThrow('boom');
    expect((await read()).generated_at).toBe(snapshot(3).generated_at);
  });
});
