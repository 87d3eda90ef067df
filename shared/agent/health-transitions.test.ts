import { FixedClock } from '@promethean/test/harness/recording-runtime';
import { describe, expect, it } from 'vitest';
import { AgentHealth, HealthTransitionError } from './agent-health.ts';
import { idempotencyKey } from './idempotency-key.ts';
import { loadManifest } from './manifest-loader.ts';

const manifest = loadManifest(
  `id: probe
kind: stateless-worker
version: 1.0.0
description: probe
binds: { providers: ['*'], tenants: ['*'] }
health: { interval_ms: 1000, liveness_timeout_ms: 5000 }
idempotency_key: '{id}'
`,
  'probe.yml',
);

const fresh = () => {
  const clock = new FixedClock(0);
  return { clock, h: new AgentHealth(manifest, clock) };
};

describe('AgentHealth transitions', () => {
  it('INIT → RUNNING on the first success', () => {
    const { h } = fresh();
    expect(h.state).toBe('INIT');
    h.recordOutcome(true);
    expect(h.state).toBe('RUNNING');
  });

  it('RUNNING → DEGRADED after five consecutive failures, and back on a success', () => {
    const { h } = fresh();
    h.recordOutcome(true);
    for (let i = 0; i < 4; i++) h.recordOutcome(false);
    expect(h.state).toBe('RUNNING');
    h.recordOutcome(false);
    expect(h.report()).toMatchObject({
      state: 'DEGRADED',
      reason: '5 consecutive failures',
      errors: 5,
      handled: 6,
    });
    h.recordOutcome(true);
    expect(h.state).toBe('RUNNING');
  });

  it('INIT or RUNNING → DEGRADED when a dependency stops answering, and back when it answers', () => {
    const { h } = fresh();
    h.setReady(false, 'document store unreachable');
    expect(h.report()).toMatchObject({
      state: 'DEGRADED',
      ready: false,
      reason: 'document store unreachable',
    });
    h.setReady(true);
    expect(h.state).toBe('RUNNING');
  });

  it('RUNNING ↔ PAUSED, anything → STOPPED, STOPPED → INIT', () => {
    const { h } = fresh();
    h.transition('RUNNING');
    h.transition('PAUSED', 'operator');
    expect(h.state).toBe('PAUSED');
    h.transition('RUNNING');
    h.transition('STOPPED', 'shutdown');
    expect(h.isLive()).toBe(false);
    h.transition('INIT');
    expect(h.state).toBe('INIT');
  });

  it.each([
    ['STOPPED', 'RUNNING'],
    ['PAUSED', 'DEGRADED'],
    ['INIT', 'PAUSED'],
  ] as const)('refuses %s → %s', (from, to) => {
    const { h } = fresh();
    const path: Record<string, Array<'RUNNING' | 'PAUSED' | 'STOPPED'>> = {
      STOPPED: ['STOPPED'],
      PAUSED: ['RUNNING', 'PAUSED'],
      INIT: [],
    };
    for (const s of path[from]!) h.transition(s);
    expect(() => h.transition(to)).toThrow(HealthTransitionError);
  });

  it('is live while idle, and while busy only as long as the ticker moves within liveness_timeout_ms', () => {
    const { h, clock } = fresh();
    expect(h.isLive()).toBe(true);
    h.recordOutcome(true);
    clock.set(60_000);
    // Idle for a minute: waiting for work is not being stuck.
    expect(h.isLive()).toBe(true);
    h.startWork();
    h.startWork();
    clock.set(65_000);
    expect(h.isLive()).toBe(true);
    h.finishWork(true); // progress at 65 000 while one unit of work is still in hand
    clock.set(70_000);
    expect(h.isLive()).toBe(true);
    clock.set(70_001);
    expect(h.report()).toMatchObject({
      live: false,
      in_flight: 1,
      last_progress_at: '1970-01-01T00:01:05.000Z',
      interval_ms: 1000,
      liveness_timeout_ms: 5000,
    });
    h.finishWork(false);
    expect(h.isLive()).toBe(true);
  });

  it('keeps readiness and liveness apart: not ready but live, live but not ready', () => {
    const { h, clock } = fresh();
    h.recordOutcome(true);
    h.setReady(false, 'vector store unreachable');
    expect(h.report()).toMatchObject({ state: 'DEGRADED', ready: false, live: true });
    h.setReady(true);
    h.startWork();
    clock.set(10_000);
    expect(h.report()).toMatchObject({ state: 'RUNNING', ready: true, live: false });
  });

  it('applies operator controls: pause, resume, stop, start', () => {
    const { h } = fresh();
    h.applyControl('paused', 'maintenance');
    expect(h.report()).toMatchObject({ state: 'PAUSED', reason: 'maintenance', live: true });
    h.recordOutcome(true);
    expect(h.state).toBe('PAUSED');
    h.applyControl(undefined);
    expect(h.state).toBe('RUNNING');
    h.applyControl('stopped');
    expect(h.report()).toMatchObject({ state: 'STOPPED', reason: 'stopped by an operator', live: false });
    h.applyControl(undefined);
    expect(h.state).toBe('INIT');
    h.recordOutcome(true);
    expect(h.state).toBe('RUNNING');
  });

  it('resumes a paused agent into DEGRADED when its dependencies still do not answer', () => {
    const { h } = fresh();
    h.recordOutcome(true);
    h.applyControl('paused');
    h.setReady(false, 'document store unreachable');
    expect(h.state).toBe('PAUSED');
    h.applyControl(undefined);
    expect(h.state).toBe('DEGRADED');
  });

  it('pauses a stopped agent by starting it first', () => {
    const { h } = fresh();
    h.applyControl('stopped');
    h.applyControl('paused');
    expect(h.state).toBe('PAUSED');
  });
});

describe('idempotencyKey', () => {
  it('fills the declared template from the envelope', () => {
    expect(
      idempotencyKey('{provider}:{tenant}:{payload.foreign_id}', {
        provider: 'discord',
        tenant: 'duck',
        payload: { foreign_id: '9' },
      }),
    ).toBe('discord:duck:9');
  });
  it('refuses a partial key', () => {
    expect(() =>
      idempotencyKey('{provider}:{payload.foreign_id}', { provider: 'discord', payload: {} }),
    ).toThrow(/payload.foreign_id/);
  });
});
