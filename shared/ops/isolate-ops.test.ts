import type { Envelope } from '@promethean/schemas/envelope';
import { SocialMessageCreated } from '@promethean/schemas/events/social-message';
import { testRegistry } from '@promethean/test/harness/recording-runtime';
import { describe, expect, it } from 'vitest';
import { defineAgent } from '../agent/agent-definition.ts';
import { AgentHealth } from '../agent/agent-health.ts';
import { sequentialIds } from '../agent/envelope-factory.ts';
import type { DocumentStore } from '../effects/document-store.ts';
import { MemoryDocumentStore } from '../effects/memory-document-store.ts';
import { FakeClock } from '../testing/fake-clock.ts';
import { IsolateOps, PLATFORM_PROVIDER } from './isolate-ops.ts';
import type { AgentControl, OpsDelta } from './ops-delta.ts';
import { storeChecks } from './readiness-probes.ts';

const agent = defineAgent(
  `id: probe-indexer
kind: stateless-worker
version: 1.0.0
description: an agent with a document store
binds: { providers: [echo], tenants: [demo] }
inputs:
  - topic: promethean.p.*.t.*.events.SocialMessageCreated
    schema: SocialMessageCreated
capabilities: [storage.documents]
health: { interval_ms: 30000, liveness_timeout_ms: 60000 }
idempotency_key: '{provider}:{tenant}:{payload.foreign_id}'
`,
  'probe.yml',
)
  .on(SocialMessageCreated, async () => {})
  .build();

function setup() {
  const clock = new FakeClock(Date.UTC(2026, 0, 1));
  const tracker = new AgentHealth(agent.manifest, clock);
  tracker.transition('RUNNING', 'isolate started');
  const ops = new IsolateOps({
    worker: 'functions',
    agents: [agent],
    clock,
    ids: sequentialIds('h'),
    health: () => tracker,
    controlsTtlMs: 10_000,
  });
  return { clock, tracker, ops };
}

describe('IsolateOps health events', () => {
  it('are due once per interval_ms per agent, and every time on a forced (cron) publish', async () => {
    const { clock, ops } = setup();
    const published: Envelope[] = [];
    const broker = { publish: async (e: Envelope) => void published.push(e) };
    expect(await ops.publishHealth(broker)).toBe(1);
    clock.advance(29_999);
    expect(await ops.publishHealth(broker)).toBe(0);
    clock.advance(1);
    expect(await ops.publishHealth(broker)).toBe(1);
    expect(await ops.publishHealth(broker, true)).toBe(1);
    expect(published[0]).toMatchObject({
      intent: 'health',
      src: 'probe-indexer',
      provider: PLATFORM_PROVIDER,
      tenant: 'functions',
      dst: 'promethean.p.platform.t.functions.ops.health',
      payload: {
        agent: 'probe-indexer',
        state: 'RUNNING',
        ready: true,
        live: true,
        details: { worker: 'functions' },
      },
    });
  });

  it('never fail the batch when the bus refuses them', async () => {
    const { ops } = setup();
    const broker = { publish: async () => Promise.reject(new Error('queue down')) };
    expect(await ops.publishHealth(broker)).toBe(0);
  });
});

describe('IsolateOps controls', () => {
  const paused: AgentControl = { agent: 'probe-indexer', state: 'paused', reason: 'maintenance', at: 1 };

  it('read controls only when the cache is older than its TTL, and move health into PAUSED and back', async () => {
    const { clock, ops, tracker } = setup();
    let reads = 0;
    let current: AgentControl[] = [paused];
    const ledger = {
      record: async () => ({ controls: current }),
      controls: async () => {
        reads++;
        return current;
      },
    };
    await ops.refreshControls(ledger);
    expect(ops.control('probe-indexer')).toBe('paused');
    expect(tracker.report()).toMatchObject({ state: 'PAUSED', reason: 'maintenance' });
    await ops.refreshControls(ledger);
    expect(reads).toBe(1);
    current = [];
    clock.advance(10_001);
    await ops.refreshControls(ledger);
    expect(reads).toBe(2);
    expect(ops.control('probe-indexer')).toBeUndefined();
    expect(tracker.state).toBe('RUNNING');
  });

  it('keep the last known controls when the ledger cannot be read', async () => {
    const { ops } = setup();
    ops.applyControls([paused]);
    ops.invalidateControls();
    await ops.refreshControls({
      record: async () => ({ controls: [] }),
      controls: async () => Promise.reject(new Error('ledger down')),
    });
    expect(ops.control('probe-indexer')).toBe('paused');
  });
});

describe('IsolateOps readiness', () => {
  it('marks an agent not ready (DEGRADED) when its store does not answer in time, and ready again when it does', async () => {
    const { clock, ops, tracker } = setup();
    let store: DocumentStore = { count: () => new Promise<number>(() => {}) } as unknown as DocumentStore;
    const checks = () => storeChecks(agent, testRegistry(), () => ({ documents: store }));
    const pending = ops.checkReadiness(checks, { timeoutMs: 2_000, scheduler: clock });
    await Promise.resolve();
    clock.advance(2_000);
    const [hung] = await pending;
    expect(hung).toEqual({
      agent: 'probe-indexer',
      ready: false,
      reason: 'documents echo/demo: did not answer within 2000 ms',
      checked: 1,
    });
    expect(tracker.report()).toMatchObject({ state: 'DEGRADED', ready: false, live: true });
    store = new MemoryDocumentStore();
    const [answered] = await ops.checkReadiness(checks, { timeoutMs: 2_000, scheduler: clock });
    expect(answered).toMatchObject({ ready: true, checked: 1 });
    expect(tracker.state).toBe('RUNNING');
  });

  it('answers recent results again without probing when asked for a maximum age', async () => {
    const { clock, ops } = setup();
    let probes = 0;
    const checks = () => [{ name: 'counted', probe: async () => void probes++ }];
    await ops.checkReadiness(checks, { maxAgeMs: 10_000 });
    await ops.checkReadiness(checks, { maxAgeMs: 10_000 });
    expect(probes).toBe(1);
    clock.advance(10_000);
    await ops.checkReadiness(checks, { maxAgeMs: 10_000 });
    await ops.checkReadiness(checks); // the cron tick always probes
    expect(probes).toBe(3);
  });

  it('counts a capability without an adapter as not ready', async () => {
    const { ops } = setup();
    const [result] = await ops.checkReadiness(() => storeChecks(agent, testRegistry(), () => ({})));
    expect(result).toMatchObject({
      ready: false,
      reason: 'documents echo/demo: no document store adapter configured',
    });
  });
});

describe('IsolateOps flushAfterBatch', () => {
  function recordingLedger() {
    const deltas: OpsDelta[] = [];
    const ledger = {
      record: async (delta: OpsDelta) => {
        deltas.push(delta);
        return { controls: [] };
      },
      controls: async () => [],
    };
    return { deltas, ledger };
  }

  it('flushes every batch with a window of 0', async () => {
    const { ops } = setup();
    const { deltas, ledger } = recordingLedger();
    for (let i = 0; i < 3; i++) {
      ops.recorder.invocation();
      expect(await ops.flushAfterBatch(ledger, 0)).toBe(true);
    }
    expect(deltas.map((d) => d.ops.worker_invocations)).toEqual([1, 1, 1]);
  });

  it('inside the window keeps the counts for the first flush after it', async () => {
    const { clock, ops } = setup();
    const { deltas, ledger } = recordingLedger();
    ops.recorder.invocation();
    expect(await ops.flushAfterBatch(ledger, 1_000)).toBe(true);
    clock.advance(999);
    ops.recorder.invocation();
    expect(await ops.flushAfterBatch(ledger, 1_000)).toBe(false);
    clock.advance(1);
    ops.recorder.invocation();
    expect(await ops.flushAfterBatch(ledger, 1_000)).toBe(true);
    expect(deltas.map((d) => d.ops.worker_invocations)).toEqual([1, 2]);
  });
});
