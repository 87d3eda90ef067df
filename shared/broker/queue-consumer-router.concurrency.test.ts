import { SocialMessageCreated } from '@promethean/schemas/events/social-message';
import { testRegistry } from '@promethean/test/harness/recording-runtime';
import { describe, expect, it } from 'vitest';
import { defineAgent } from '../agent/agent-definition.ts';
import { sequentialIds } from '../agent/envelope-factory.ts';
import { RecordingSink } from '../agent/telemetry.ts';
import { FakeClock } from '../testing/fake-clock.ts';
import { type RecordedMessage, RecordingQueue, recordedBatch } from '../testing/queue-batch-double.ts';
import { testEnvelopes } from '../testing/test-envelopes.ts';
import { QueueBroker } from './queue-broker.ts';
import { QueueConsumerRouter } from './queue-consumer-router.ts';

const MANIFEST = `id: held-indexer
kind: stateless-worker
version: 1.0.0
description: an agent whose handlers the test holds open
binds: { providers: ['*'], tenants: ['*'] }
inputs:
  - topic: promethean.p.*.t.*.events.SocialMessageCreated
    schema: SocialMessageCreated
idempotency_key: '{provider}:{tenant}:{payload.foreign_id}'
`;

function setup(concurrency: number | undefined, handler: (content: string) => Promise<void>) {
  const events = new RecordingQueue();
  const broker = new QueueBroker({
    queues: { BUS_EVENTS: events.asQueue(), BUS_ACCESS: new RecordingQueue().asQueue() },
  });
  const agent = defineAgent(MANIFEST, 'held.yml')
    .on(SocialMessageCreated, (msg) => handler(msg.payload.content))
    .build();
  const router = new QueueConsumerRouter({
    agents: [agent],
    broker,
    deadLetters: { send: async () => {} },
    deps: {
      registry: testRegistry(),
      broker,
      ports: {},
      sink: new RecordingSink(),
      clock: new FakeClock(0),
      ids: sequentialIds('out'),
      runtimeIds: sequentialIds('rt'),
    },
    ...(concurrency !== undefined && { concurrency }),
  });
  const envelopes = testEnvelopes();
  const batch = (n: number) =>
    recordedBatch(
      'promethean-events',
      Array.from({ length: n }, (_, i) => ({
        id: `m${i}`,
        body: { v: 1, envelope: envelopes.chat(`hello ${i}`, { provider: 'echo', tenant: 'demo' }) },
      })),
    );
  return { router, batch };
}

describe('QueueConsumerRouter batch concurrency', () => {
  it('runs up to `concurrency` handlers of one batch at once and settles each message on its own', async () => {
    let running = 0;
    let peak = 0;
    const release: Array<() => void> = [];
    const { router, batch } = setup(3, async (content) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise<void>((resolve) => release.push(resolve));
      running--;
      if (content === 'hello 4') throw new Error('this one fails');
    });
    const b = batch(7);
    const done = router.consume(b);
    // Let the lanes start, then release handlers one at a time; never more than three are open.
    for (let released = 0; released < 7; released++) {
      await new Promise((resolve) => setImmediate(resolve));
      expect(running).toBeLessThanOrEqual(3);
      release.shift()?.();
    }
    const report = await done;
    expect(peak).toBe(3);
    expect([...report.keys()]).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6']);
    expect((b.messages as readonly RecordedMessage[]).map((m) => m.settled?.kind)).toEqual([
      'ack',
      'ack',
      'ack',
      'ack',
      'retry',
      'ack',
      'ack',
    ]);
  });

  it('defaults to eight lanes and never more lanes than messages', async () => {
    let running = 0;
    let peak = 0;
    const release: Array<() => void> = [];
    const { router, batch } = setup(undefined, async () => {
      running++;
      peak = Math.max(peak, running);
      await new Promise<void>((resolve) => release.push(resolve));
      running--;
    });
    const done = router.consume(batch(12));
    for (let i = 0; i < 12; i++) {
      await new Promise((resolve) => setImmediate(resolve));
      release.shift()?.();
    }
    await done;
    expect(peak).toBe(8);
  });

  it('settles a message alone when the router fails outside an agent (local notification), not the batch', async () => {
    const { router, batch } = setup(2, async () => {});
    const b = batch(4);
    // notifyLocal runs before any agent; make it fail for one message only.
    const original = QueueBroker.prototype.notifyLocal;
    QueueBroker.prototype.notifyLocal = async function (envelope) {
      if ((envelope.payload as { content?: string }).content === 'hello 2')
        throw new Error('listener exploded');
      return original.call(this, envelope);
    };
    try {
      const report = await router.consume(b);
      expect(report.get('m2')).toEqual({ settlement: 'retry', delaySeconds: 5 });
    } finally {
      QueueBroker.prototype.notifyLocal = original;
    }
    expect((b.messages as readonly RecordedMessage[]).map((m) => m.settled?.kind)).toEqual([
      'ack',
      'ack',
      'retry',
      'ack',
    ]);
  });
});
