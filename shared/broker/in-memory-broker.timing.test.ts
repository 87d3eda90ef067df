import type { Envelope } from '@promethean/schemas/envelope';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { recordingSubscriber } from '../testing/broker-test-helpers.ts';
import { FakeClock } from '../testing/fake-clock.ts';
import { TOPICS, testEnvelopes } from '../testing/test-envelopes.ts';
import { InMemoryBroker } from './in-memory-broker.ts';
import type { InMemoryBrokerOptions } from './in-memory-broker-options.ts';

function setup(options: InMemoryBrokerOptions = {}) {
  const clock = new FakeClock(0);
  const broker = new InMemoryBroker({ clock, ...options });
  return { clock, broker, make: testEnvelopes(clock) };
}

const contents = (messages: readonly Envelope[]) =>
  messages.map((m) => (m.payload as { content: string }).content);
/** Lets every queued microtask run (a macrotask boundary), without waiting on wall-clock time. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
const TEXTS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];

async function deliveredOrder(options: InMemoryBrokerOptions): Promise<string[]> {
  const { broker, make } = setup(options);
  const rec = recordingSubscriber(broker, TOPICS.chat);
  for (const t of TEXTS) await broker.publish(make.chat(t));
  await broker.drain();
  return contents(rec.messages);
}

describe('InMemoryBroker shuffle', () => {
  it('reorders a delivery round, reproducibly from the seed', async () => {
    const first = await deliveredOrder({ shuffle: { seed: 123 } });
    expect(first).not.toEqual(TEXTS);
    expect([...first].sort()).toEqual(TEXTS);
    expect(await deliveredOrder({ shuffle: { seed: 123 } })).toEqual(first);
    expect(await deliveredOrder({ shuffle: { seed: 124 } })).not.toEqual(first);
  });

  it('keeps publish order without a shuffle', async () => {
    expect(await deliveredOrder({})).toEqual(TEXTS);
  });
});

describe('InMemoryBroker latency', () => {
  it('holds a message until the fixed latency has passed on the clock', async () => {
    const { broker, make, clock } = setup({ latencyMs: 5 });
    const rec = recordingSubscriber(broker, TOPICS.chat);
    await broker.publish(make.chat('late'));
    clock.advance(4);
    expect(await broker.drain()).toBe(0);
    expect(rec.messages).toEqual([]);
    expect(broker.pending()).toBe(1);
    clock.advance(1);
    expect(await broker.drain()).toBe(1);
    expect(contents(rec.messages)).toEqual(['late']);
    expect(broker.eventLog().find((e) => e.kind === 'deliver')?.at).toBe(5);
  });

  it('draws each latency from the range with the seed, delivering in due-time order', async () => {
    const run = async () => {
      const { broker, make, clock } = setup({ latencyMs: [10, 50], seed: 3 });
      const rec = recordingSubscriber(broker, TOPICS.chat);
      for (const t of TEXTS) await broker.publish(make.chat(t));
      const arrivals: number[] = [];
      for (let t = 0; t <= 50; t++) {
        if ((await broker.drain()) > 0) arrivals.push(t);
        clock.advance(1);
      }
      return { order: contents(rec.messages), arrivals, delivered: rec.messages.length };
    };
    const first = await run();
    expect(first.delivered).toBe(TEXTS.length);
    expect(first.arrivals[0]).toBeGreaterThanOrEqual(10);
    expect(first.arrivals.at(-1)).toBeLessThanOrEqual(50);
    expect(first.arrivals.length).toBeGreaterThan(1);
    expect(first.order).not.toEqual(TEXTS);
    expect(await run()).toEqual(first);
  });

  it('delivers on its own at the due time when autoDeliver is on', async () => {
    const { broker, make, clock } = setup({ latencyMs: 20, autoDeliver: true });
    const rec = recordingSubscriber(broker, TOPICS.chat);
    await broker.publish(make.chat('auto'));
    await settle();
    expect(rec.messages).toEqual([]);
    clock.advance(19);
    await settle();
    expect(rec.messages).toEqual([]);
    clock.advance(1);
    await settle();
    expect(contents(rec.messages)).toEqual(['auto']);
  });
});

describe('InMemoryBroker drop rate', () => {
  it('drops some but not all messages, reproducibly, and counts them', async () => {
    const run = async () => {
      const { broker, make } = setup({ dropRate: 0.5, seed: 11 });
      const rec = recordingSubscriber(broker, TOPICS.chat);
      for (let i = 0; i < 40; i++) await broker.publish(make.chat(`m${i}`));
      await broker.drain();
      return { broker, received: contents(rec.messages) };
    };
    const { broker, received } = await run();
    const m = broker.metrics();
    expect(m.published).toBe(40);
    expect(m.dropped).toBeGreaterThan(0);
    expect(received.length).toBeGreaterThan(0);
    expect(received.length + m.dropped).toBe(40);
    expect(m.delivered).toBe(received.length);
    expect(broker.eventLog().filter((e) => e.kind === 'drop')).toHaveLength(m.dropped);
    expect(broker.eventLog().find((e) => e.kind === 'drop')?.detail).toBe('dropRate');
    expect((await run()).received).toEqual(received);
  });

  it('drops everything at rate 1 and nothing at rate 0', async () => {
    for (const [dropRate, delivered] of [
      [1, 0],
      [0, 5],
    ] as const) {
      const { broker, make } = setup({ dropRate });
      recordingSubscriber(broker, TOPICS.chat);
      for (let i = 0; i < 5; i++) await broker.publish(make.chat(`m${i}`));
      expect(await broker.drain()).toBe(delivered);
    }
  });
});

describe('InMemoryBroker in real time', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('delivers by itself and drain() waits out pending latency', async () => {
    vi.useFakeTimers({ now: 0 });
    const broker = new InMemoryBroker({ latencyMs: 30 });
    const make = testEnvelopes();
    const rec = recordingSubscriber(broker, TOPICS.chat);
    await broker.publish(make.chat('real'));
    const drained = broker.drain();
    await vi.advanceTimersByTimeAsync(29);
    expect(rec.messages).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    await drained;
    expect(contents(rec.messages)).toEqual(['real']);
    expect(broker.pending()).toBe(0);
    await broker.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('delivers without drain() on a microtask when there is no latency', async () => {
    const broker = new InMemoryBroker();
    const make = testEnvelopes();
    const rec = recordingSubscriber(broker, TOPICS.chat);
    await broker.publish(make.chat('now'));
    await settle();
    expect(contents(rec.messages)).toEqual(['now']);
    await broker.close();
  });
});
