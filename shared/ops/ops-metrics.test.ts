/**
 * Metrics against known traffic: 100 messages with known latencies and outcomes go through the real
 * consumer router on a fake clock, with counted queues, stores and Durable Object stubs; the flushed
 * delta must say exactly what happened (percentiles within the sketch's stated accuracy).
 */
import { SocialMessageCreated } from '@promethean/schemas/events/social-message';
import { testRegistry } from '@promethean/test/harness/recording-runtime';
import { describe, expect, it } from 'vitest';
import { defineAgent } from '../agent/agent-definition.ts';
import { NonRetriableError } from '../agent/agent-errors.ts';
import { AgentHealth } from '../agent/agent-health.ts';
import { sequentialIds } from '../agent/envelope-factory.ts';
import { RecordingSink } from '../agent/telemetry.ts';
import type { QueueBody } from '../broker/queue-body.ts';
import { QueueBroker } from '../broker/queue-broker.ts';
import { QueueConsumerRouter } from '../broker/queue-consumer-router.ts';
import { MemoryDocumentStore } from '../effects/memory-document-store.ts';
import { FakeClock } from '../testing/fake-clock.ts';
import { RecordingQueue, recordedBatch } from '../testing/queue-batch-double.ts';
import { testEnvelopes } from '../testing/test-envelopes.ts';
import { IsolateOps } from './isolate-ops.ts';
import { LatencySketch, RELATIVE_ACCURACY } from './latency-sketch.ts';
import { perMessage } from './ledger-snapshot.ts';
import { type OpsDelta, PlatformOpsDelta } from './ops-delta.ts';
import { countedNamespace, countedPorts, countedQueue } from './platform-instrumentation.ts';

const MANIFEST = `id: timed-indexer
kind: stateless-worker
version: 1.0.0
description: takes as long as the message says, fails when told to
binds: { providers: ['*'], tenants: ['*'] }
inputs:
  - topic: promethean.p.*.t.*.events.SocialMessageCreated
    schema: SocialMessageCreated
capabilities: [storage.documents]
health: { interval_ms: 30000, liveness_timeout_ms: 60000 }
idempotency_key: '{provider}:{tenant}:{payload.foreign_id}'
`;

/** A ledger that keeps every delta it is sent. */
function keepingLedger() {
  const deltas: OpsDelta[] = [];
  return {
    deltas,
    record: async (d: OpsDelta) => {
      deltas.push(d);
      return { controls: [] };
    },
    controls: async () => [],
  };
}

function nearestRank(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil(q * sorted.length) - 1]!;
}

function traffic() {
  const clock = new FakeClock(Date.UTC(2026, 0, 1));
  const agent = defineAgent(MANIFEST, 'timed.yml')
    .on(SocialMessageCreated, async (m, ctx) => {
      const [, ms, verdict] = m.payload.content.split(':');
      clock.advance(Number(ms)); // the handler "takes" exactly this long on the runtime's clock
      if (verdict === 'fail') throw new NonRetriableError('told to fail');
      await ctx.effects.documents.upsertMany('messages', [
        {
          provider: m.provider,
          tenant: m.tenant,
          foreign_id: m.payload.foreign_id,
          urn: m.payload.urn,
          index: {},
          slots: { created: { version: m.payload.created_at, value: m.payload.content } },
        },
      ]);
    })
    .build();
  const ops = new IsolateOps({
    worker: 'functions',
    agents: [agent],
    clock,
    ids: sequentialIds('health'),
    health: (() => {
      const tracker = new AgentHealth(agent.manifest, clock);
      return () => tracker;
    })(),
  });
  const events = new RecordingQueue();
  const access = new RecordingQueue();
  const letters = new RecordingQueue();
  const counted = (q: RecordingQueue, name: string) =>
    countedQueue(q.asQueue(), name, ops.recorder, () => clock.now());
  const broker = new QueueBroker({
    queues: {
      BUS_EVENTS: counted(events, 'promethean-events'),
      BUS_ACCESS: counted(access, 'promethean-access-commands'),
    },
  });
  const deadLetterQueue = counted(letters, 'promethean-dead-letters');
  const router = new QueueConsumerRouter({
    agents: [agent],
    broker,
    deadLetters: { send: async (l) => void (await deadLetterQueue.send(l as unknown as QueueBody)) },
    deps: {
      registry: testRegistry(),
      broker,
      ports: countedPorts({ documents: new MemoryDocumentStore() }, ops.recorder),
      sink: new RecordingSink(),
      clock,
      ids: sequentialIds('out'),
      runtimeIds: sequentialIds('rt'),
    },
    admission: ops.admission,
    controls: ops,
    observer: ops.observer(),
    // The fake clock measures each handler's latency; one lane keeps those measurements apart.
    concurrency: 1,
  });
  return { ops, router, clock, events, letters };
}

describe('metrics against known traffic', () => {
  it('counts invocations, errors, latency percentiles and platform operations per message', async () => {
    const { ops, router, clock } = traffic();
    const envelopes = testEnvelopes(clock);
    const latencies: number[] = [];
    for (let batch = 0; batch < 10; batch++) {
      const messages = Array.from({ length: 10 }, (_, i) => {
        const n = batch * 10 + i + 1;
        latencies.push(n * 10);
        const verdict = n % 10 === 0 ? 'fail' : 'ok';
        return {
          id: `m${n}`,
          body: {
            v: 1,
            envelope: envelopes.chat(`t:${n * 10}:${verdict}`, { provider: 'echo', tenant: 'demo' }),
          },
        };
      });
      ops.recorder.invocation(); // what the Worker's queue handler does per batch
      ops.recorder.queueRead('promethean-events', messages.length);
      await router.consume(recordedBatch('promethean-events', messages));
    }
    const ledger = keepingLedger();
    await ops.flush(ledger);
    const delta = ledger.deltas[0]!;

    const [stats] = delta.agents;
    expect(stats).toMatchObject({
      agent: 'timed-indexer',
      intent: 'SocialMessageCreated',
      count: 100,
      errors: 10,
      dead_lettered: 10,
      retries: 0,
      deferred: 0,
    });
    expect(stats!.latency.count).toBe(100);
    expect(stats!.latency.sum).toBe(latencies.reduce((a, b) => a + b, 0));
    const sketch = LatencySketch.from(stats!.latency);
    for (const q of [0.5, 0.95]) {
      const exact = nearestRank(latencies, q);
      expect(Math.abs(sketch.quantile(q)! - exact) / exact).toBeLessThanOrEqual(RELATIVE_ACCURACY);
    }
    expect(delta.queues.find((q) => q.queue === 'promethean-events')).toMatchObject({
      read: 100,
      acked: 100,
      dead_lettered: 10,
      produced: 10, // one error event per failure
    });
    expect(delta.queues.find((q) => q.queue === 'promethean-dead-letters')).toMatchObject({ produced: 10 });
    expect(delta.ops).toEqual({
      worker_invocations: 10,
      queue_reads: 100,
      queue_writes: 20,
      durable_object_requests: 1, // the flush itself
      store_writes: 90,
      messages_processed: 100,
      embed_cache_hits: 0,
      embed_cache_misses: 0,
      dual_write_failed_documents: 0,
      dual_write_failed_vectors: 0,
    });
    expect(perMessage(PlatformOpsDelta.parse(delta.ops))).toEqual({
      worker_invocations: 0.1,
      queue_reads: 1,
      queue_writes: 0.2,
      durable_object_requests: 0.01,
      store_writes: 0.9,
    });
    expect(delta.health[0]).toMatchObject({ agent: 'timed-indexer', handled: 100, errors: 10, in_flight: 0 });
  });

  it('puts a delta back when its flush fails, so the next flush carries everything', async () => {
    const { ops, router, clock } = traffic();
    const envelopes = testEnvelopes(clock);
    await router.consume(
      recordedBatch('promethean-events', [
        { id: 'a', body: { v: 1, envelope: envelopes.chat('t:5:ok', { provider: 'echo', tenant: 'demo' }) } },
      ]),
    );
    const failing = {
      record: async () => Promise.reject(new Error('ledger down')),
      controls: async () => [],
    };
    expect(await ops.flush(failing)).toBe(false);
    const { deltas, ...ledger } = keepingLedger();
    await ops.flush(ledger);
    expect(deltas[0]!.agents[0]).toMatchObject({ count: 1 });
    expect(deltas[0]!.ops.durable_object_requests).toBe(2); // both flush attempts
  });

  it('counts one Durable Object request per stub call and none for reading ids', async () => {
    const { ops } = traffic();
    const calls: string[] = [];
    class Stub {
      readonly id = 'x';
      async upsert(v: string) {
        calls.push(v);
        return v.length;
      }
    }
    const namespace = {
      idFromName: (name: string) => name,
      get: () => new Stub(),
    } as unknown as DurableObjectNamespace;
    const counted = countedNamespace(namespace, ops.recorder);
    const stub = counted.get(counted.idFromName('t')) as unknown as Stub;
    expect(stub.id).toBe('x');
    expect(await stub.upsert('abc')).toBe(3);
    await stub.upsert('d');
    const delta = ops.recorder.takeDelta({ worker: 'functions', isolate: 'i', at: 0, health: [] });
    expect(delta.ops.durable_object_requests).toBe(2);
    expect(calls).toEqual(['abc', 'd']);
  });
});
