import type { Envelope } from '@promethean/schemas/envelope';
import { describe, expect, it } from 'vitest';
import { InvalidMessageError } from '../agent/agent-errors.ts';
import { TopicError } from '../platform/topics.ts';
import { recordingSubscriber } from '../testing/broker-test-helpers.ts';
import { FakeClock } from '../testing/fake-clock.ts';
import { TOPICS, testEnvelopes } from '../testing/test-envelopes.ts';
import { BrokerClosedError } from './broker-client.ts';
import { BrokerOptionsError } from './broker-errors.ts';
import { InMemoryBroker } from './in-memory-broker.ts';
import type { InMemoryBrokerOptions } from './in-memory-broker-options.ts';

function setup(options: InMemoryBrokerOptions = {}) {
  const clock = new FakeClock(Date.UTC(2025, 0, 1));
  const broker = new InMemoryBroker({ clock, ...options });
  return { clock, broker, make: testEnvelopes(clock) };
}

const contents = (messages: readonly Envelope[]) =>
  messages.map((m) => (m.payload as { content: string }).content);

describe('InMemoryBroker delivery', () => {
  it('delivers to every subscriber in publish order', async () => {
    const { broker, make } = setup();
    const a = recordingSubscriber(broker, TOPICS.chat);
    const b = recordingSubscriber(broker, TOPICS.chat);
    for (const text of ['one', 'two', 'three']) await broker.publish(make.chat(text));
    expect(a.messages).toEqual([]);
    expect(await broker.drain()).toBe(6);
    expect(contents(a.messages)).toEqual(['one', 'two', 'three']);
    expect(contents(b.messages)).toEqual(['one', 'two', 'three']);
  });

  it('interleaves subscribers message by message in subscription order', async () => {
    const { broker, make } = setup();
    const order: string[] = [];
    broker.subscribe(TOPICS.chat, (e) => void order.push(`first:${e.id}`));
    broker.subscribe(TOPICS.chat, (e) => void order.push(`second:${e.id}`));
    await broker.publish(make.chat('a'));
    await broker.publish(make.chat('b'));
    await broker.drain();
    expect(order).toEqual(['first:msg-0001', 'second:msg-0001', 'first:msg-0002', 'second:msg-0002']);
  });

  it('matches `*` segments across providers and tenants', async () => {
    const { broker, make } = setup();
    const any = recordingSubscriber(broker, TOPICS.anyChat);
    await broker.publish(make.chat('discord', { provider: 'discord', tenant: 'duck' }));
    await broker.publish(make.chat('echo', { provider: 'echo', tenant: 'goose' }));
    await broker.publish(make.health('indexer'));
    await broker.drain();
    expect(any.messages.map((m) => m.dst)).toEqual([
      'promethean.p.discord.t.duck.events.SocialMessageCreated',
      'promethean.p.echo.t.goose.events.SocialMessageCreated',
    ]);
  });

  it('matches everything under a trailing `>` and nothing outside it', async () => {
    const { broker, make } = setup();
    const duck = recordingSubscriber(broker, TOPICS.duckAll);
    await broker.publish(make.chat('hi'));
    await broker.publish(make.health('indexer'));
    await broker.publish(make.restRequest({ corr: 'c-1' }));
    await broker.publish(make.chat('elsewhere', { tenant: 'goose' }));
    await broker.drain();
    expect(duck.messages.map((m) => m.intent)).toEqual(['SocialMessageCreated', 'health', 'rest.request']);
  });

  it('stops delivering to an unsubscribed handler, including what was already buffered', async () => {
    const { broker, make } = setup();
    const gone = recordingSubscriber(broker, TOPICS.chat);
    const kept = recordingSubscriber(broker, TOPICS.chat);
    await broker.publish(make.chat('buffered'));
    broker.unsubscribe(gone.subscription);
    broker.unsubscribe(gone.subscription.id);
    await broker.publish(make.chat('later'));
    await broker.drain();
    expect(gone.messages).toEqual([]);
    expect(contents(kept.messages)).toEqual(['buffered', 'later']);
    expect(broker.metrics().subscribers.map((s) => s.id)).toEqual([kept.subscription.id]);
  });

  it('gives every subscriber its own copy of the envelope', async () => {
    const { broker, make } = setup();
    broker.subscribe(TOPICS.chat, (e) => {
      (e.payload as { content: string }).content = 'mutated';
    });
    const b = recordingSubscriber(broker, TOPICS.chat);
    const env = make.chat('original');
    await broker.publish(env);
    (env.payload as { content: string }).content = 'changed by publisher';
    await broker.drain();
    expect(contents(b.messages)).toEqual(['original']);
  });

  it('tick() runs one round while drain() also delivers what handlers publish', async () => {
    const { broker, make } = setup();
    const health = recordingSubscriber(broker, TOPICS.health);
    broker.subscribe(TOPICS.chat, () => broker.publish(make.health('reactor')));
    await broker.publish(make.chat('hello'));
    expect(await broker.tick()).toBe(1);
    expect(health.messages).toHaveLength(0);
    expect(broker.pending()).toBe(1);
    expect(await broker.tick()).toBe(1);
    expect(health.messages).toHaveLength(1);
    expect(await broker.tick()).toBe(0);

    await broker.publish(make.chat('again'));
    expect(await broker.drain()).toBe(2);
    expect(health.messages).toHaveLength(2);
    expect(broker.pending()).toBe(0);
  });

  it('gives up draining a publish loop with a clear error', async () => {
    const { broker, make } = setup({ maxDrainRounds: 50 });
    broker.subscribe(TOPICS.chat, () => broker.publish(make.chat('echo')));
    await broker.publish(make.chat('start'));
    await expect(broker.drain()).rejects.toThrow(/did not settle after 50 delivery rounds/);
  });

  it('rejects an invalid envelope with InvalidMessageError and publishes nothing', async () => {
    const { broker, make } = setup();
    const rec = recordingSubscriber(broker, TOPICS.duckAll);
    const bad = { ...make.chat('x'), tenant: 'Not A Tenant' };
    await expect(broker.publish(bad)).rejects.toBeInstanceOf(InvalidMessageError);
    const wildcardDst = { ...make.chat('x'), dst: 'promethean.p.*.t.duck.events.SocialMessageCreated' };
    await expect(broker.publish(wildcardDst)).rejects.toThrow(/invalid envelope/);
    await broker.drain();
    expect(rec.messages).toEqual([]);
    expect(broker.metrics().published).toBe(0);
  });

  it('refuses a malformed subscription pattern', () => {
    const { broker } = setup();
    expect(() => broker.subscribe('promethean.p.discord.>.duck', () => {})).toThrow(TopicError);
  });
});

describe('InMemoryBroker metrics and event log', () => {
  it('counts and logs publishes and deliveries in order, per subscriber too', async () => {
    const { broker, make, clock } = setup();
    const start = clock.now();
    broker.subscribe(TOPICS.chat, () => {}, { name: 'indexer' });
    broker.subscribe(TOPICS.anyChat, () => {}, { name: 'embedder' });
    await broker.publish(make.chat('a'));
    clock.advance(7);
    await broker.drain();
    expect(broker.metrics()).toMatchObject({ published: 1, delivered: 2, dropped: 0, retried: 0 });
    expect(broker.metrics().subscribers).toEqual([
      expect.objectContaining({ name: 'indexer', received: 1, delivered: 1, buffered: 0 }),
      expect.objectContaining({ name: 'embedder', received: 1, delivered: 1, buffered: 0 }),
    ]);
    expect(broker.eventLog()).toEqual([
      { seq: 1, at: start, kind: 'publish', topic: TOPICS.chat, envelope_id: 'msg-0001' },
      {
        seq: 2,
        at: start + 7,
        kind: 'deliver',
        topic: TOPICS.chat,
        envelope_id: 'msg-0001',
        subscriber: 'indexer',
      },
      {
        seq: 3,
        at: start + 7,
        kind: 'deliver',
        topic: TOPICS.chat,
        envelope_id: 'msg-0001',
        subscriber: 'embedder',
      },
    ]);
  });

  it('keeps only the newest eventLogLimit entries, with sequence numbers intact', async () => {
    const { broker, make } = setup({ eventLogLimit: 2 });
    for (const t of ['a', 'b', 'c']) await broker.publish(make.chat(t));
    expect(broker.eventLog().map((e) => [e.seq, e.envelope_id])).toEqual([
      [2, 'msg-0002'],
      [3, 'msg-0003'],
    ]);
  });
});

describe('InMemoryBroker lifecycle', () => {
  it('refuses work while disconnected and delivers buffered messages after reconnect', async () => {
    const { broker, make } = setup();
    const rec = recordingSubscriber(broker, TOPICS.chat);
    await broker.publish(make.chat('before'));
    broker.disconnect('network partition');
    expect(broker.state).toBe('disconnected');
    expect(broker.disconnectReason).toBe('network partition');
    const refused = broker.publish(make.chat('during'));
    await expect(refused).rejects.toBeInstanceOf(BrokerClosedError);
    await expect(refused).rejects.toThrow('broker disconnected: cannot publish');
    expect(() => broker.subscribe(TOPICS.chat, () => {})).toThrow(/disconnected: cannot subscribe/);
    await expect(
      broker.request(make.restRequest({ corr: 'c' }), { responsePattern: TOPICS.restResponse, timeoutMs: 5 }),
    ).rejects.toThrow(/disconnected: cannot request/);
    expect(await broker.drain()).toBe(0);
    expect(rec.messages).toEqual([]);

    broker.reconnect();
    expect(broker.state).toBe('open');
    await broker.publish(make.chat('after'));
    await broker.drain();
    expect(contents(rec.messages)).toEqual(['before', 'after']);
  });

  it('after close, refuses every call, drops pending work and cancels its timers', async () => {
    const { broker, make, clock } = setup({ latencyMs: 100, autoDeliver: true });
    const rec = recordingSubscriber(broker, TOPICS.chat);
    await broker.publish(make.chat('in flight'));
    const reply = broker.request(make.restRequest({ corr: 'c-1' }), {
      responsePattern: TOPICS.restResponse,
      timeoutMs: 1_000,
    });
    // One wake-up for the latency, one for the request timeout.
    const delays = clock.pendingTimers().map((t) => t.at - clock.now());
    expect(delays.sort((x, y) => x - y)).toEqual([100, 1_000]);
    await broker.close();
    await broker.close();
    expect(clock.pendingTimers()).toEqual([]);
    await expect(reply).rejects.toBeInstanceOf(BrokerClosedError);
    await expect(broker.publish(make.chat('late'))).rejects.toThrow('broker closed: cannot publish');
    expect(() => broker.subscribe(TOPICS.chat, () => {})).toThrow(BrokerClosedError);
    await expect(broker.drain()).rejects.toBeInstanceOf(BrokerClosedError);
    await expect(broker.tick()).rejects.toBeInstanceOf(BrokerClosedError);
    expect(() => broker.disconnect()).toThrow(BrokerClosedError);
    clock.advance(1_000);
    expect(rec.messages).toEqual([]);
    expect(broker.state).toBe('closed');
  });

  it('shares nothing between two instances', async () => {
    const first = setup({ dropRate: 0.5, seed: 9 });
    const second = setup({ dropRate: 0.5, seed: 9 });
    const a = recordingSubscriber(first.broker, TOPICS.chat);
    const b = recordingSubscriber(second.broker, TOPICS.chat);
    first.broker.addFault({ pattern: TOPICS.chat, action: 'error' });
    for (const t of ['1', '2', '3', '4', '5', '6']) await second.broker.publish(second.make.chat(t));
    await first.broker.close();
    await second.broker.drain();
    expect(a.messages).toEqual([]);
    expect(second.broker.metrics().published).toBe(6);
    expect(b.messages.length + second.broker.metrics().dropped).toBe(6);
    // Same seed, same drops: the first broker's history did not move the second's random stream.
    const third = setup({ dropRate: 0.5, seed: 9 });
    const c = recordingSubscriber(third.broker, TOPICS.chat);
    for (const t of ['1', '2', '3', '4', '5', '6']) await third.broker.publish(third.make.chat(t));
    await third.broker.drain();
    expect(contents(c.messages)).toEqual(contents(b.messages));
    expect(first.broker.metrics().subscribers).toEqual([]);
  });
});

describe('InMemoryBroker options', () => {
  it.each<[string, InMemoryBrokerOptions, RegExp]>([
    ['dropRate above 1', { dropRate: 1.5 }, /dropRate: must be between 0 and 1/],
    ['inverted latency range', { latencyMs: [10, 5] }, /latencyMs: min 10 is greater than max 5/],
    ['negative latency', { latencyMs: -1 }, /latencyMs/],
    ['zero buffer', { bufferSize: 0 }, /bufferSize: must be an integer >= 1/],
    ['unknown overflow', { overflow: 'explode' as never }, /overflow: must be one of/],
    ['fractional redeliveries', { maxRedeliveries: 1.5 }, /maxRedeliveries/],
    ['shuffle without seed', { shuffle: {} as never }, /shuffle: must be \{ seed: number \}/],
    ['a clock without schedule', { clock: { now: () => 0 } as never }, /clock: must implement Scheduler/],
    ['a misspelled option', { droprate: 0.1 } as never, /droprate: is not a known option/],
  ])('rejects %s when constructed', (_label, options, message) => {
    expect(() => new InMemoryBroker(options)).toThrow(BrokerOptionsError);
    expect(() => new InMemoryBroker(options)).toThrow(message);
  });

  it('rejects bad subscription options', () => {
    const { broker } = setup();
    expect(() => broker.subscribe(TOPICS.chat, () => {}, { bufferSize: -1 })).toThrow(BrokerOptionsError);
    expect(() => broker.subscribe(TOPICS.chat, () => {}, { overflow: 'nope' as never })).toThrow(
      /subscribe.overflow/,
    );
  });
});
