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

  it('is live until the progress ticker stands still longer than the manifest allows', () => {
    const { h, clock } = fresh();
    expect(h.isLive()).toBe(true);
    h.recordOutcome(true);
    clock.set(5_000);
    expect(h.isLive()).toBe(true);
    clock.set(5_001);
    expect(h.isLive()).toBe(false);
    expect(h.report()).toMatchObject({
      live: false,
      last_progress_at: '1970-01-01T00:00:00.000Z',
      interval_ms: 1000,
    });
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
