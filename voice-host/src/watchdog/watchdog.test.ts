import { FakeClock } from '@promethean/shared/testing/fake-clock';
import { describe, expect, it } from 'vitest';
import type { ExitCode } from '../config/exit-codes.ts';
import { ProgressTicker } from './progress-ticker.ts';
import { type ControlStatus, Watchdog } from './watchdog.ts';

function setup(opts: { active?: boolean; control?: ControlStatus } = {}) {
  const clock = new FakeClock(1_000);
  const progress = new ProgressTicker(clock.now());
  const exits: Array<{ code: ExitCode; detail: Record<string, unknown> }> = [];
  const state = { active: opts.active ?? true, control: opts.control ?? ('connected' as ControlStatus) };
  const dog = new Watchdog({
    scheduler: clock,
    progress,
    active: () => state.active,
    control: () => state.control,
    stallMs: 5_000,
    checkMs: 500,
    controlGraceMs: 10_000,
    exit: (code, detail) => exits.push({ code, detail }),
  });
  dog.start();
  return { clock, progress, exits, state };
}

describe('Watchdog', () => {
  it('stays quiet while the loop ticks', () => {
    const { clock, progress, exits } = setup();
    for (let i = 0; i < 100; i++) {
      clock.advance(100);
      progress.tick(clock.now());
    }
    expect(exits).toEqual([]);
  });

  it('exits 70 when the loop stops ticking while a session is active', () => {
    const { clock, progress, exits } = setup();
    progress.tick(clock.now());
    clock.advance(5_000);
    expect(exits).toEqual([]);
    clock.advance(1_000);
    expect(exits).toHaveLength(1);
    expect(exits[0]!.code).toBe(70);
    expect(exits[0]!.detail.detail).toMatch(/no progress/);
  });

  it('does not count time without an active session', () => {
    const { clock, exits, state } = setup({ active: false });
    clock.advance(60_000);
    expect(exits).toEqual([]);
    state.active = true;
    clock.advance(4_000);
    expect(exits).toEqual([]);
    clock.advance(2_000);
    expect(exits[0]?.code).toBe(70);
  });

  it('exits 71 when the control connection stays down past the grace period, once', () => {
    const { clock, progress, exits, state } = setup({ active: false });
    state.control = 'disconnected';
    clock.advance(9_000);
    state.control = 'connected';
    clock.advance(1_000);
    state.control = 'disconnected';
    for (let i = 0; i < 30; i++) {
      clock.advance(500);
      progress.tick(clock.now());
    }
    expect(exits.map((e) => e.code)).toEqual([71]);
  });

  it('ignores the control connection when none is configured', () => {
    const { clock, exits } = setup({ active: false, control: 'disabled' });
    clock.advance(60_000);
    expect(exits).toEqual([]);
  });
});
