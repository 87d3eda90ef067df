import { PostMessage } from '@promethean/schemas/commands/post-message';
import { SocialMessageCreated } from '@promethean/schemas/events/social-message';
import { recordingRuntime } from '@promethean/test/harness/recording-runtime';
import { describe, expect, it } from 'vitest';
import { defineAgent } from '../agent/agent-definition.ts';
import { invokeAgent } from '../agent/agent-invocation.ts';
import { createEnvelope } from '../agent/envelope-factory.ts';
import { expectDelivered, recordingSubscriber } from '../testing/broker-test-helpers.ts';
import { BrokerConfigurationError, brokerImplOf, busFor, queueBusFor } from './bus-for.ts';
import { InMemoryBroker } from './in-memory-broker.ts';
import type { QueueBody } from './queue-body.ts';
import { QueueBroker } from './queue-broker.ts';

/** A producer binding that records what was sent to it. */
function recordingQueue(sent: QueueBody[]) {
  return {
    send: async (body: QueueBody) => {
      sent.push(body);
    },
    sendBatch: async (batch: Iterable<{ body: QueueBody }>) => {
      for (const m of batch) sent.push(m.body);
    },
    metrics: async () => ({ backlogCount: 0, backlogBytes: 0 }),
  } as unknown as Queue<QueueBody>;
}

const message = createEnvelope(
  SocialMessageCreated,
  {
    urn: 'urn:echo:message:demo:1',
    foreign_id: '1',
    channel: { urn: 'urn:echo:channel:demo:general', foreign_id: 'general' },
    author: { urn: 'urn:echo:user:demo:ada', foreign_id: 'ada' },
    content: 'hi',
    created_at: '2026-01-01T00:00:00.000Z',
  },
  { src: 'test', provider: 'echo', tenant: 'demo', id: 'm1' },
);

describe('busFor', () => {
  it('builds the Queues broker by default, sending through the env bindings by route', async () => {
    const events: QueueBody[] = [];
    const access: QueueBody[] = [];
    const broker = busFor({ BUS_EVENTS: recordingQueue(events), BUS_ACCESS: recordingQueue(access) });
    expect(broker).toBeInstanceOf(QueueBroker);
    await broker.publish(message);
    expect(events.map((b) => (b.envelope as { id: string }).id)).toEqual(['m1']);
    expect(access).toEqual([]);
    expect(brokerImplOf({ BROKER_IMPL: '' })).toBe('queue');
    expect(brokerImplOf({ BROKER_IMPL: ' queue ' })).toBe('queue');
  });

  it('builds the in-memory broker for BROKER_IMPL=memory, delivering to in-process subscribers', async () => {
    const broker = busFor({ BROKER_IMPL: 'memory' });
    expect(broker).toBeInstanceOf(InMemoryBroker);
    const seen: string[] = [];
    broker.subscribe('promethean.p.*.t.*.events.SocialMessageCreated', async (e) => {
      seen.push(e.id);
    });
    await broker.publish(message);
    await (broker as InMemoryBroker).drain();
    expect(seen).toEqual(['m1']);
    await broker.close();
  });

  it('refuses an unknown BROKER_IMPL, and memory where a Worker consumes queues', () => {
    expect(() => busFor({ BROKER_IMPL: 'kafka' })).toThrow(BrokerConfigurationError);
    expect(() => queueBusFor({ BROKER_IMPL: 'memory' }, {}, 'the functions Worker')).toThrow(
      /BROKER_IMPL=memory cannot serve the functions Worker/,
    );
  });

  it('uses only the bindings it is given, and refuses a route whose binding is missing', () => {
    expect(() => busFor({ BUS_EVENTS: recordingQueue([]) }, { bindings: ['BUS_EVENTS'] })).toThrow(
      /needs queue binding BUS_ACCESS/,
    );
    const events: QueueBody[] = [];
    const only = busFor(
      { BUS_EVENTS: recordingQueue(events), BUS_ACCESS: recordingQueue([]) },
      { bindings: ['BUS_EVENTS'], routes: [{ pattern: 'promethean.>', binding: 'BUS_EVENTS' }] },
    );
    expect(only).toBeInstanceOf(QueueBroker);
  });

  it('runs an agent between a publisher and a subscriber (docs/testing/broker-mock.md)', async () => {
    const parrot = defineAgent(
      `id: parrot
kind: stateless-worker
version: 1.0.0
description: repeats messages
binds: { providers: ['*'], tenants: ['*'] }
inputs:
  - topic: promethean.p.*.t.*.events.SocialMessageCreated
    schema: SocialMessageCreated
outputs:
  - topic: promethean.p.*.t.*.commands.PostMessage
    schema: PostMessage
idempotency_key: '{provider}:{tenant}:{payload.foreign_id}'
`,
      'parrot.yml',
    )
      .on(SocialMessageCreated, async (msg, ctx) => {
        const { channel, content, foreign_id } = msg.payload;
        await ctx.effects.publish(PostMessage, {
          channel: { foreign_id: channel.foreign_id },
          content: `parrot: ${content}`,
          reply_to: foreign_id,
          idempotency_key: `parrot:${foreign_id}`,
        });
      })
      .build();
    const broker = busFor({ BROKER_IMPL: 'memory' }) as InMemoryBroker;
    const replies = recordingSubscriber(broker, 'promethean.p.*.t.*.commands.PostMessage');
    broker.subscribe('promethean.p.*.t.*.events.SocialMessageCreated', async (envelope) => {
      const rt = recordingRuntime(Date.parse(envelope.ts));
      await invokeAgent(parrot, envelope, { ...rt.deps, broker });
    });
    await broker.publish(message);
    await broker.drain();
    expectDelivered(replies, { intent: 'PostMessage', payload: { content: 'parrot: hi', reply_to: '1' } }, 1);
    await broker.close();
  });
});
