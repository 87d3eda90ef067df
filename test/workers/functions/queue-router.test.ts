import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import {
  SocialMessageCreated,
  SocialMessageDeleted,
  SocialMessageUpdated,
} from '@promethean/schemas/events/social-message';
import type { MessageDefinition } from '@promethean/schemas/message-definition';
import { defineAgent } from '@promethean/shared/agent/agent-definition';
import { NonRetriableError, RetryAfterError } from '@promethean/shared/agent/agent-errors';
import { createEnvelope, sequentialIds, systemClock } from '@promethean/shared/agent/envelope-factory';
import { RecordingSink } from '@promethean/shared/agent/telemetry';
import type { DeadLetter, QueueBody } from '@promethean/shared/broker/queue-body';
import { QueueBroker } from '@promethean/shared/broker/queue-broker';
import { QueueConsumerRouter } from '@promethean/shared/broker/queue-consumer-router';
import { MemoryDocumentStore } from '@promethean/shared/effects/memory-document-store';
import { testRegistry } from '@promethean/test/harness/recording-runtime';
import { describe, expect, it } from 'vitest';
import { DurableObjectDocumentStore } from '../../../functions/storage/durable-object-document-store.ts';

function manifest(id: string, def: MessageDefinition, maxRetries = 3): string {
  return `id: ${id}
kind: stateless-worker
version: 1.0.0
description: test agent ${id}
binds: { providers: ['*'], tenants: ['*'] }
inputs:
  - topic: promethean.p.*.t.*.events.${def.topicName}
    schema: ${def.intent}
capabilities: [storage.documents]
idempotency_key: '{provider}:{tenant}:{payload.foreign_id}'
retry: { max_retries: ${maxRetries}, base_delay_s: 2, max_delay_s: 30 }
`;
}

/** A producer that keeps what was sent, so fan-out copies can be inspected without being consumed. */
class CapturingQueue {
  readonly sent: QueueBody[] = [];
  readonly delays: Array<number | undefined> = [];
  async send(body: QueueBody, options?: QueueSendOptions) {
    this.sent.push(body);
    this.delays.push(options?.delaySeconds);
  }
  async sendBatch(messages: Iterable<MessageSendRequest<QueueBody>>) {
    for (const m of messages) {
      this.sent.push(m.body);
      this.delays.push(m.delaySeconds);
    }
  }
}

const channel = { urn: 'urn:echo:channel:demo:general', foreign_id: 'general' };
const created = {
  urn: 'urn:echo:message:demo:1',
  foreign_id: '1',
  channel,
  author: { urn: 'urn:echo:user:demo:ada', foreign_id: 'ada', name: 'Ada' },
  content: 'hi',
  created_at: '2026-11-20T10:00:00.000Z',
};

function setup() {
  const handled: string[] = [];
  const events = new CapturingQueue();
  const access = new CapturingQueue();
  const letters: DeadLetter[] = [];
  const sink = new RecordingSink();
  const broker = new QueueBroker({
    queues: {
      BUS_EVENTS: events as unknown as Queue<QueueBody>,
      BUS_ACCESS: access as unknown as Queue<QueueBody>,
    },
  });
  const agents = [
    defineAgent(manifest('recorder-a', SocialMessageCreated), 'a.yml')
      .on(SocialMessageCreated, async (m) => void handled.push(`a:${m.payload.foreign_id}`))
      .build(),
    defineAgent(manifest('recorder-b', SocialMessageCreated), 'b.yml')
      .on(SocialMessageCreated, async (m) => void handled.push(`b:${m.payload.foreign_id}`))
      .build(),
    defineAgent(manifest('picky', SocialMessageCreated), 'p.yml')
      .on(SocialMessageCreated, async (m) => {
        if (m.payload.foreign_id === '2') throw new RetryAfterError('not yet', 7_000);
        handled.push(`p:${m.payload.foreign_id}`);
      })
      .build(),
    defineAgent(manifest('flaky', SocialMessageUpdated), 'c.yml')
      .on(SocialMessageUpdated, async () => {
        throw new RetryAfterError('dependency busy', 9_000);
      })
      .build(),
    defineAgent(manifest('strict', SocialMessageDeleted), 'd.yml')
      .on(SocialMessageDeleted, async () => {
        throw new NonRetriableError('refuses deletes');
      })
      .build(),
  ];
  const router = new QueueConsumerRouter({
    agents,
    broker,
    deadLetters: { send: async (l) => void letters.push(l) },
    deps: {
      registry: testRegistry(),
      broker,
      ports: { documents: new MemoryDocumentStore() },
      sink,
      clock: systemClock,
      ids: sequentialIds('t'),
      runtimeIds: sequentialIds('rt'),
    },
  });
  return { router, handled, events, letters };
}

function queued(id: string, def: MessageDefinition, payload: unknown, attempts = 1, target?: string) {
  const envelope = createEnvelope(def, payload as never, { src: 'test', provider: 'echo', tenant: 'demo' });
  return { id, timestamp: new Date(), attempts, body: { v: 1, envelope, ...(target && { target }) } };
}

describe('QueueConsumerRouter in workerd', () => {
  it('runs every subscriber of a message on one delivery, then acks it without sending copies', async () => {
    const { router, events, handled } = setup();
    const batch = createMessageBatch('promethean-events', [queued('m1', SocialMessageCreated, created)]);
    const ctx = createExecutionContext();
    const report = await router.consume(batch);
    const result = await getQueueResult(batch, ctx);
    expect(report.get('m1')).toEqual({ settlement: 'fanout' });
    expect(result.explicitAcks).toEqual(['m1']);
    expect(handled.sort()).toEqual(['a:1', 'b:1', 'p:1']);
    expect(events.sent).toEqual([]);
  });

  it('gives only the agent that must retry its own delayed copy; the others are done', async () => {
    const { router, events, handled } = setup();
    const batch = createMessageBatch('promethean-events', [
      queued('m9', SocialMessageCreated, { ...created, foreign_id: '2', urn: 'urn:echo:message:demo:2' }, 2),
    ]);
    const ctx = createExecutionContext();
    const report = await router.consume(batch);
    const result = await getQueueResult(batch, ctx);
    expect(report.get('m9')).toEqual({ settlement: 'fanout' });
    expect(result.explicitAcks).toEqual(['m9']);
    expect(handled.sort()).toEqual(['a:2', 'b:2']);
    expect(events.sent.map((b) => ({ target: b.target, failed_attempts: b.failed_attempts }))).toEqual([
      { target: 'picky', failed_attempts: 2 },
    ]);
    expect(events.delays[0]).toBeGreaterThanOrEqual(7);
  });

  it('runs a targeted copy only in its agent, so a retry never re-runs the other agent', async () => {
    const { router, handled } = setup();
    const batch = createMessageBatch('promethean-events', [
      queued('m2', SocialMessageCreated, created, 1, 'recorder-b'),
    ]);
    const ctx = createExecutionContext();
    await router.consume(batch);
    const result = await getQueueResult(batch, ctx);
    expect(handled).toEqual(['b:1']);
    expect(result.explicitAcks).toEqual(['m2']);
  });

  it('retries a retriable failure with backoff that honours the requested retry-after', async () => {
    const { router } = setup();
    const update = {
      urn: created.urn,
      foreign_id: '1',
      channel,
      content: 'x',
      edited_at: '2026-11-20T10:01:00.000Z',
    };
    const batch = createMessageBatch('promethean-events', [queued('m3', SocialMessageUpdated, update, 1)]);
    const ctx = createExecutionContext();
    const report = await router.consume(batch);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual([]);
    expect(result.retryMessages).toEqual([{ msgId: 'm3' }]);
    // The agent asked for 9 s; exponential backoff alone would say 2 s.
    expect(report.get('m3')).toEqual({ settlement: 'retry', delaySeconds: 9 });
  });

  it('dead-letters after max_retries and acks, keeping the original body', async () => {
    const { router, letters } = setup();
    const update = {
      urn: created.urn,
      foreign_id: '1',
      channel,
      content: 'x',
      edited_at: '2026-11-20T10:01:00.000Z',
    };
    const batch = createMessageBatch('promethean-events', [queued('m4', SocialMessageUpdated, update, 4)]);
    const ctx = createExecutionContext();
    await router.consume(batch);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual(['m4']);
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({
      reason: 'dead_lettered',
      target: 'flaky',
      attempts: 4,
      tenant: 'demo',
    });
  });

  it('dead-letters a non-retriable failure at once and publishes an error event', async () => {
    const { router, letters, events } = setup();
    const deleted = { urn: created.urn, foreign_id: '1', channel, deleted_at: '2026-11-20T10:02:00.000Z' };
    const batch = createMessageBatch('promethean-events', [queued('m5', SocialMessageDeleted, deleted)]);
    const ctx = createExecutionContext();
    await router.consume(batch);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual(['m5']);
    expect(letters.map((l) => l.reason)).toEqual(['handler_failed']);
    const errors = events.sent.map((b) => b.envelope as { intent: string; payload: { code: string } });
    expect(errors).toMatchObject([{ intent: 'error', payload: { code: 'handler_failed' } }]);
  });

  it('settles each message of a mixed batch on its own', async () => {
    const { router, letters } = setup();
    const update = {
      urn: created.urn,
      foreign_id: '1',
      channel,
      content: 'x',
      edited_at: '2026-11-20T10:01:00.000Z',
    };
    const batch = createMessageBatch<unknown>('promethean-events', [
      queued('ok', SocialMessageCreated, created, 1, 'recorder-a'),
      queued('again', SocialMessageUpdated, update, 1),
      { id: 'junk', timestamp: new Date(), attempts: 1, body: { hello: 'world' } },
    ]);
    const ctx = createExecutionContext();
    await router.consume(batch);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks.sort()).toEqual(['junk', 'ok']);
    expect(result.retryMessages.map((r: { msgId: string }) => r.msgId)).toEqual(['again']);
    expect(letters.map((l) => l.reason)).toEqual(['invalid_envelope']);
  });
});

describe('QueueConsumerRouter in workerd: several envelopes in one queue message', () => {
  it('settles each envelope on its own: the failing agent of one envelope gets a copy, nothing else reruns', async () => {
    const { router, events, handled } = setup();
    const one = queued('x', SocialMessageCreated, created).body.envelope;
    const two = queued('y', SocialMessageCreated, {
      ...created,
      foreign_id: '2',
      urn: 'urn:echo:message:demo:2',
    }).body.envelope;
    const batch = createMessageBatch<unknown>('promethean-events', [
      { id: 'carrier', timestamp: new Date(), attempts: 1, body: { v: 1, envelopes: [one, two] } },
    ]);
    const ctx = createExecutionContext();
    const report = await router.consume(batch);
    const result = await getQueueResult(batch, ctx);
    expect(report.get('carrier')).toEqual({ settlement: 'fanout' });
    expect(result.explicitAcks).toEqual(['carrier']);
    expect(result.retryMessages).toEqual([]);
    expect(handled.sort()).toEqual(['a:1', 'a:2', 'b:1', 'b:2', 'p:1']);
    // Only picky's run of envelope 2 continues, on its own targeted single-envelope copy.
    expect(events.sent).toHaveLength(1);
    expect(events.sent[0]).toMatchObject({ v: 1, target: 'picky', envelope: { id: two.id } });
  });

  it('retries the whole message when the copy of an envelope cannot be sent', async () => {
    const { router, events } = setup();
    events.sendBatch = async () => {
      throw new Error('queue unavailable');
    };
    const update = {
      urn: created.urn,
      foreign_id: '1',
      channel,
      content: 'x',
      edited_at: '2026-11-20T10:01:00.000Z',
    };
    const batch = createMessageBatch<unknown>('promethean-events', [
      {
        id: 'carrier',
        timestamp: new Date(),
        attempts: 1,
        body: {
          v: 1,
          envelopes: [
            queued('x', SocialMessageCreated, created).body.envelope,
            queued('y', SocialMessageUpdated, update).body.envelope,
          ],
        },
      },
    ]);
    const ctx = createExecutionContext();
    await router.consume(batch);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual([]);
    expect(result.retryMessages.map((r: { msgId: string }) => r.msgId)).toEqual(['carrier']);
  });
});

describe('functions Worker queue handler end to end', () => {
  it('indexes a SocialMessageCreated into the tenant document store, once under redelivery', async () => {
    const { default: worker } = await import('../../../functions/src/index.ts');
    // Several agents take SocialMessageCreated, so a fresh one is fanned out; this is the indexer's copy.
    const message = queued(
      'e1',
      SocialMessageCreated,
      { ...created, foreign_id: '777', urn: 'urn:echo:message:demo:777' },
      1,
      'message-indexer',
    );
    for (const attempt of [1, 2]) {
      const batch = createMessageBatch('promethean-events', [
        { ...message, id: `e1-${attempt}`, attempts: attempt },
      ]);
      const ctx = createExecutionContext();
      await worker.queue(batch, env, ctx);
      const result = await getQueueResult(batch, ctx);
      expect(result.explicitAcks).toEqual([`e1-${attempt}`]);
    }
    const store = new DurableObjectDocumentStore(env.TENANT_DOCUMENTS, 'echo', 'demo');
    const doc = await store.get('messages', '777');
    expect(doc?.slots.created).toMatchObject({ version: created.created_at });
    expect(await store.count('messages')).toBeGreaterThanOrEqual(1);
    expect(
      (await store.find('messages', { channel_id: 'general' })).filter((d) => d.foreign_id === '777'),
    ).toHaveLength(1);
  });
});
