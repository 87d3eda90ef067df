import type { Envelope } from '@promethean/schemas/envelope';
import { SocialMessageCreated } from '@promethean/schemas/events/social-message';
import { testRegistry } from '@promethean/test/harness/recording-runtime';
import { describe, expect, it } from 'vitest';
import { defineAgent } from '../agent/agent-definition.ts';
import { sequentialIds } from '../agent/envelope-factory.ts';
import { RecordingSink } from '../agent/telemetry.ts';
import { FakeClock } from '../testing/fake-clock.ts';
import { type RecordedMessage, RecordingQueue, recordedBatch } from '../testing/queue-batch-double.ts';
import { testEnvelopes } from '../testing/test-envelopes.ts';
import type { DeadLetter, QueueBatchBody, QueueBody } from './queue-body.ts';
import { packEnvelopes, QueueBroker } from './queue-broker.ts';
import { QueueConsumerRouter, type SettledMessage } from './queue-consumer-router.ts';

const MANIFEST = `id: keyed-indexer
kind: stateless-worker
version: 1.0.0
description: stores each message under its id, as the indexer does
binds: { providers: ['*'], tenants: ['*'] }
inputs:
  - topic: promethean.p.*.t.*.events.SocialMessageCreated
    schema: SocialMessageCreated
idempotency_key: '{provider}:{tenant}:{payload.foreign_id}'
`;

/**
 * A router over one agent that upserts each message by envelope id (so a re-run overwrites) and counts
 * runs per content; `failing` contents throw a retriable error while they are in the set.
 */
function setup() {
  const events = new RecordingQueue();
  const broker = new QueueBroker({
    queues: { BUS_EVENTS: events.asQueue(), BUS_ACCESS: new RecordingQueue().asQueue() },
  });
  const stored = new Map<string, string>();
  const runs = new Map<string, number>();
  const failing = new Set<string>();
  const letters: DeadLetter[] = [];
  const settled: SettledMessage[] = [];
  const agent = defineAgent(MANIFEST, 'keyed.yml')
    .on(SocialMessageCreated, async (msg) => {
      const content = msg.payload.content;
      runs.set(content, (runs.get(content) ?? 0) + 1);
      if (failing.has(content)) throw new Error(`${content} fails`);
      stored.set(msg.id, content);
    })
    .build();
  const router = new QueueConsumerRouter({
    agents: [agent],
    broker,
    deadLetters: { send: async (l) => void letters.push(l) },
    deps: {
      registry: testRegistry(),
      broker,
      ports: {},
      sink: new RecordingSink(),
      clock: new FakeClock(0),
      ids: sequentialIds('out'),
      runtimeIds: sequentialIds('rt'),
    },
    observer: { settled: (m) => void settled.push(m) },
  });
  const envelopes = testEnvelopes();
  const chats = (n: number): Envelope[] =>
    Array.from({ length: n }, (_, i) => envelopes.chat(`hello ${i}`, { provider: 'echo', tenant: 'demo' }));
  return { router, events, stored, runs, failing, letters, settled, chats };
}

const carrier = (id: string, body: unknown, attempts = 1) =>
  recordedBatch('promethean-events', [{ id, body, attempts }]);

const settledKinds = (b: { messages: readonly RecordedMessage[] }) => b.messages.map((m) => m.settled);

describe('QueueConsumerRouter: several envelopes in one queue message', () => {
  it('runs every envelope once and acks the queue message once, counting it as one message', async () => {
    const t = setup();
    const list = t.chats(5);
    const b = carrier('c1', { v: 1, envelopes: list });
    const report = await t.router.consume(b);
    expect(settledKinds(b)).toEqual([{ kind: 'ack' }]);
    expect(report.get('c1')).toEqual({ settlement: 'fanout' });
    expect([...t.stored.keys()]).toEqual(list.map((e) => e.id));
    expect([...t.runs.values()]).toEqual([1, 1, 1, 1, 1]);
    expect(t.events.sent).toEqual([]);
    // The queue counts one message: the envelopes' own records are marked shared.
    expect(t.settled.filter((m) => !m.shared).map((m) => m.settlement)).toEqual(['fanout']);
    expect(t.settled.filter((m) => m.shared)).toHaveLength(5);
  });

  it('retries a failing envelope alone on its own copy; its siblings are neither lost nor run again', async () => {
    const t = setup();
    const list = t.chats(4);
    t.failing.add('hello 2');
    const b = carrier('c1', { v: 1, envelopes: list }, 2);
    await t.router.consume(b);
    expect(settledKinds(b)).toEqual([{ kind: 'ack' }]);
    expect(t.events.sent).toHaveLength(1);
    const copy = t.events.sent[0]!;
    expect(copy.body).toEqual({ v: 1, envelope: list[2], failed_attempts: 2 });
    expect(copy.delaySeconds).toBeGreaterThanOrEqual(1);
    // The copy, delivered later, runs the failed envelope only.
    t.failing.clear();
    const again = recordedBatch('promethean-events', [{ id: 'copy', body: copy.body }]);
    await t.router.consume(again);
    expect(settledKinds(again)).toEqual([{ kind: 'ack' }]);
    expect(Object.fromEntries(t.runs)).toEqual({ 'hello 0': 1, 'hello 1': 1, 'hello 2': 2, 'hello 3': 1 });
    expect([...t.stored.keys()].sort()).toEqual(list.map((e) => e.id).sort());
  });

  it('retries the whole message when the copies cannot be sent: siblings run again, stored once', async () => {
    const t = setup();
    const list = t.chats(3);
    t.failing.add('hello 1');
    t.events.failNext();
    const b = carrier('c1', { v: 1, envelopes: list });
    const report = await t.router.consume(b);
    expect(report.get('c1')).toEqual({ settlement: 'retry', delaySeconds: 1 });
    expect(settledKinds(b)).toEqual([{ kind: 'retry', delaySeconds: 1 }]);
    // The queue redelivers the same message: everything runs again, and the upserts by id overwrite.
    t.failing.clear();
    const redelivered = carrier('c1', { v: 1, envelopes: list }, 2);
    await t.router.consume(redelivered);
    expect(settledKinds(redelivered)).toEqual([{ kind: 'ack' }]);
    expect(Object.fromEntries(t.runs)).toEqual({ 'hello 0': 2, 'hello 1': 2, 'hello 2': 2 });
    expect(t.stored.size).toBe(3);
    expect([...t.stored.keys()].sort()).toEqual(list.map((e) => e.id).sort());
  });

  it('dead-letters an invalid envelope alone, with its own body, and keeps its siblings', async () => {
    const t = setup();
    const [a, b2] = t.chats(2);
    const broken = { id: 'broken', intent: 'SocialMessageCreated' };
    const b = carrier('c1', { v: 1, envelopes: [a, broken, b2] });
    await t.router.consume(b);
    expect(settledKinds(b)).toEqual([{ kind: 'ack' }]);
    expect(t.letters).toHaveLength(1);
    expect(t.letters[0]!.reason).toBe('invalid_envelope');
    expect(t.letters[0]!.body).toEqual({ v: 1, envelope: broken });
    expect([...t.stored.keys()]).toEqual([a!.id, b2!.id]);
  });

  it('dead-letters a malformed batch body whole as not a bus message', async () => {
    const t = setup();
    const b = carrier('c1', { v: 1, envelopes: [] });
    await t.router.consume(b);
    expect(settledKinds(b)).toEqual([{ kind: 'ack' }]);
    expect(t.letters.map((l) => l.reason)).toEqual(['invalid_envelope']);
  });

  it('settles plain and batched messages of one queue batch side by side', async () => {
    const t = setup();
    const list = t.chats(4);
    const b = recordedBatch('promethean-events', [
      { id: 'plain', body: { v: 1, envelope: list[0] } },
      { id: 'carrier', body: { v: 1, envelopes: list.slice(1) } },
    ]);
    const report = await t.router.consume(b);
    expect(settledKinds(b)).toEqual([{ kind: 'ack' }, { kind: 'ack' }]);
    expect(report.get('plain')).toEqual({ settlement: 'ack' });
    expect(report.get('carrier')).toEqual({ settlement: 'fanout' });
    expect(t.stored.size).toBe(4);
  });
});

describe('QueueBroker.publishCoalesced', () => {
  it('packs envelopes by count and bytes, keeps their order, and the router opens what it packed', async () => {
    const t = setup();
    const list = t.chats(7);
    const size = JSON.stringify(list[0]).length + 1;
    const bodies = packEnvelopes(list, { envelopes: 3, bytes: size * 10 });
    expect(bodies.map((b) => ('envelopes' in b ? b.envelopes.length : 1))).toEqual([3, 3, 1]);
    expect('envelope' in bodies[2]! && bodies[2].envelope).toEqual(list[6]);
    const bySize = packEnvelopes(list, { envelopes: 100, bytes: size * 2 + 100 });
    expect(bySize.map((b) => ('envelopes' in b ? b.envelopes.length : 1))).toEqual([2, 2, 2, 1]);

    const events = new RecordingQueue();
    const broker = new QueueBroker({
      queues: { BUS_EVENTS: events.asQueue(), BUS_ACCESS: new RecordingQueue().asQueue() },
    });
    await broker.publishCoalesced(list, { envelopes: 4, bytes: 96_000 });
    expect(events.sent).toHaveLength(2);
    const sent = events.sent.map((s) => s.body as QueueBody | QueueBatchBody);
    expect(sent.flatMap((b) => ('envelopes' in b ? b.envelopes : [b.envelope]))).toEqual(list);
    const b = recordedBatch(
      'promethean-events',
      sent.map((body, i) => ({ id: `q${i}`, body })),
    );
    await t.router.consume(b);
    expect([...t.stored.keys()]).toEqual(list.map((e) => e.id));
  });
});
