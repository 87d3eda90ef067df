import type { Envelope } from '@promethean/schemas/envelope';
import { describe, expect, it } from 'vitest';
import { NonRetriableError } from '../agent/agent-errors.ts';
import { TopicError } from '../platform/topics.ts';
import { recordingSubscriber } from '../testing/broker-test-helpers.ts';
import { FakeClock } from '../testing/fake-clock.ts';
import { TOPICS, testEnvelopes } from '../testing/test-envelopes.ts';
import { BrokerOptionsError, BufferOverflowError, InjectedFaultError } from './broker-errors.ts';
import { InMemoryBroker } from './in-memory-broker.ts';
import type { InMemoryBrokerOptions } from './in-memory-broker-options.ts';

function setup(options: InMemoryBrokerOptions = {}) {
  const clock = new FakeClock(0);
  const broker = new InMemoryBroker({ clock, ...options });
  return { clock, broker, make: testEnvelopes(clock) };
}

const contents = (messages: readonly Envelope[]) =>
  messages.map((m) => (m.payload as { content: string }).content);
const contentIs = (text: string) => (e: Envelope) => (e.payload as { content: string }).content === text;

describe('InMemoryBroker faults', () => {
  it("'error' rejects matching publishes with InjectedFaultError and reaches nobody", async () => {
    const { broker, make } = setup();
    const rec = recordingSubscriber(broker, TOPICS.duckAll);
    const fault = broker.addFault({ pattern: TOPICS.anyChat, action: 'error' });
    const failing = broker.publish(make.chat('boom'));
    await expect(failing).rejects.toBeInstanceOf(InjectedFaultError);
    await expect(failing).rejects.toMatchObject({
      faultId: fault.id,
      topic: TOPICS.chat,
      envelopeId: 'msg-0001',
    });
    await broker.publish(make.health('unaffected'));
    await broker.drain();
    expect(rec.messages.map((m) => m.intent)).toEqual(['health']);
    expect(broker.metrics().published).toBe(1);
    expect(broker.eventLog()[0]).toMatchObject({
      kind: 'fault',
      detail: `${fault.id}:error`,
      envelope_id: 'msg-0001',
    });
  });

  it("'drop' loses only messages passing the predicate, and counts them", async () => {
    const { broker, make } = setup();
    const rec = recordingSubscriber(broker, TOPICS.chat);
    broker.addFault({ pattern: TOPICS.chat, when: contentIs('lost'), action: 'drop' });
    for (const t of ['kept', 'lost', 'kept too']) await broker.publish(make.chat(t));
    await broker.drain();
    expect(contents(rec.messages)).toEqual(['kept', 'kept too']);
    expect(broker.metrics()).toMatchObject({ published: 3, dropped: 1, delivered: 2 });
    expect(broker.eventLog().filter((e) => e.kind === 'drop')).toEqual([
      expect.objectContaining({ envelope_id: 'msg-0002', detail: 'fault fault-1' }),
    ]);
  });

  it("'delay' adds latency on top of the configured latency", async () => {
    const { broker, make, clock } = setup({ latencyMs: 5 });
    const rec = recordingSubscriber(broker, TOPICS.chat);
    broker.addFault({ pattern: TOPICS.chat, when: contentIs('slow'), action: 'delay', delayMs: 100 });
    await broker.publish(make.chat('slow'));
    await broker.publish(make.chat('fast'));
    clock.advance(5);
    await broker.drain();
    expect(contents(rec.messages)).toEqual(['fast']);
    clock.advance(99);
    await broker.drain();
    expect(contents(rec.messages)).toEqual(['fast']);
    clock.advance(1);
    await broker.drain();
    expect(contents(rec.messages)).toEqual(['fast', 'slow']);
  });

  it('stops after `times` hits and can be removed early', async () => {
    const { broker, make } = setup();
    const twice = broker.addFault({ pattern: TOPICS.chat, action: 'error', times: 2 });
    await expect(broker.publish(make.chat('1'))).rejects.toBeInstanceOf(InjectedFaultError);
    await expect(broker.publish(make.chat('2'))).rejects.toBeInstanceOf(InjectedFaultError);
    await expect(broker.publish(make.chat('3'))).resolves.toBeUndefined();
    expect(twice.triggered()).toBe(2);
    expect(twice.active()).toBe(false);

    const removable = broker.addFault({ pattern: TOPICS.chat, action: 'error' });
    await expect(broker.publish(make.chat('4'))).rejects.toBeInstanceOf(InjectedFaultError);
    removable.remove();
    await expect(broker.publish(make.chat('5'))).resolves.toBeUndefined();
    expect(removable.active()).toBe(false);
  });

  it('ignores publishes outside the fault pattern', async () => {
    const { broker, make } = setup();
    const fault = broker.addFault({ pattern: 'promethean.p.*.t.goose.>', action: 'error' });
    await expect(broker.publish(make.chat('duck'))).resolves.toBeUndefined();
    await expect(broker.publish(make.chat('goose', { tenant: 'goose' }))).rejects.toThrow(InjectedFaultError);
    expect(fault.triggered()).toBe(1);
  });

  it('rejects a fault spec that cannot work', () => {
    const { broker } = setup();
    expect(() => broker.addFault({ pattern: TOPICS.chat, action: 'delay' })).toThrow(BrokerOptionsError);
    expect(() => broker.addFault({ pattern: TOPICS.chat, action: 'drop', times: 0 })).toThrow(/times/);
    expect(() => broker.addFault({ pattern: 'nope', action: 'drop' })).toThrow(TopicError);
  });
});

describe('InMemoryBroker bounded buffers', () => {
  it("'drop-oldest' keeps the newest messages and counts the evicted ones", async () => {
    const { broker, make } = setup();
    const rec = recordingSubscriber(broker, TOPICS.chat, {
      bufferSize: 2,
      overflow: 'drop-oldest',
      name: 'slow',
    });
    for (const t of ['1', '2', '3', '4']) await broker.publish(make.chat(t));
    await broker.drain();
    expect(contents(rec.messages)).toEqual(['3', '4']);
    expect(broker.metrics()).toMatchObject({ dropped: 2 });
    expect(broker.eventLog().filter((e) => e.kind === 'drop')).toEqual([
      expect.objectContaining({
        envelope_id: 'msg-0001',
        subscriber: 'slow',
        detail: 'overflow: drop-oldest',
      }),
      expect.objectContaining({ envelope_id: 'msg-0002', subscriber: 'slow' }),
    ]);
  });

  it("'drop-newest' keeps the oldest messages", async () => {
    const { broker, make } = setup();
    const rec = recordingSubscriber(broker, TOPICS.chat, { bufferSize: 2, overflow: 'drop-newest' });
    for (const t of ['1', '2', '3', '4']) await broker.publish(make.chat(t));
    await broker.drain();
    expect(contents(rec.messages)).toEqual(['1', '2']);
    expect(broker.metrics().subscribers[0]).toMatchObject({ received: 2, dropped: 2, delivered: 2 });
  });

  it("'throw' rejects the publish with BufferOverflowError naming subscriber and topic, for everyone", async () => {
    const { broker, make } = setup();
    const other = recordingSubscriber(broker, TOPICS.chat);
    recordingSubscriber(broker, TOPICS.chat, { bufferSize: 1, overflow: 'throw', name: 'narrow' });
    await broker.publish(make.chat('fits'));
    const overflow = broker.publish(make.chat('overflows'));
    await expect(overflow).rejects.toBeInstanceOf(BufferOverflowError);
    await expect(overflow).rejects.toThrow(
      `buffer of subscriber "narrow" is full (1 messages) for ${TOPICS.chat}`,
    );
    await broker.drain();
    expect(contents(other.messages)).toEqual(['fits']);
    expect(broker.metrics().published).toBe(1);
  });

  it("uses 'throw' with 1024 slots by default", async () => {
    const { broker, make } = setup();
    recordingSubscriber(broker, TOPICS.chat);
    for (let i = 0; i < 1024; i++) await broker.publish(make.chat(`m${i}`));
    await expect(broker.publish(make.chat('one too many'))).rejects.toBeInstanceOf(BufferOverflowError);
  });

  it("'block' holds the publisher until the subscriber drains below its bound", async () => {
    const { broker, make } = setup();
    const rec = recordingSubscriber(broker, TOPICS.chat, { bufferSize: 1, overflow: 'block' });
    await broker.publish(make.chat('first'));
    let released = false;
    const blocked = broker.publish(make.chat('second')).then(() => {
      released = true;
    });
    await Promise.resolve();
    await Promise.resolve();
    expect(released).toBe(false);
    expect(broker.pending()).toBe(2);
    await broker.tick();
    await blocked;
    expect(released).toBe(true);
    expect(contents(rec.messages)).toEqual(['first']);
    await broker.drain();
    expect(contents(rec.messages)).toEqual(['first', 'second']);
  });

  it('releases a publisher blocked on a subscriber that unsubscribes, and rejects it on close', async () => {
    const { broker, make } = setup();
    const rec = recordingSubscriber(broker, TOPICS.chat, { bufferSize: 1, overflow: 'block' });
    await broker.publish(make.chat('first'));
    const blocked = broker.publish(make.chat('second'));
    broker.unsubscribe(rec.subscription);
    await expect(blocked).resolves.toBeUndefined();

    recordingSubscriber(broker, TOPICS.chat, { bufferSize: 1, overflow: 'block' });
    await broker.publish(make.chat('third'));
    const stuck = broker.publish(make.chat('fourth'));
    await broker.close();
    await expect(stuck).rejects.toThrow('broker closed: cannot publish');
  });
});

describe('InMemoryBroker handler failures', () => {
  it('redelivers a failing message up to maxRedeliveries, then dead-letters it', async () => {
    const { broker, make } = setup({ maxRedeliveries: 2 });
    let calls = 0;
    broker.subscribe(
      TOPICS.chat,
      () => {
        calls++;
        throw new Error('handler down');
      },
      { name: 'flaky' },
    );
    const healthy = recordingSubscriber(broker, TOPICS.chat);
    await broker.publish(make.chat('poison'));
    await broker.drain();
    expect(calls).toBe(3);
    expect(contents(healthy.messages)).toEqual(['poison']);
    expect(broker.metrics()).toMatchObject({ delivered: 1, retried: 2, dead_lettered: 1 });
    const [dead, ...rest] = broker.deadLetters();
    expect(rest).toEqual([]);
    expect(dead).toMatchObject({ subscriber: 'flaky', attempts: 3, envelope: { id: 'msg-0001' } });
    expect(dead?.error).toEqual(new Error('handler down'));
    expect(broker.eventLog().map((e) => e.kind)).toEqual([
      'publish',
      'retry',
      'deliver',
      'retry',
      'dead_letter',
    ]);
  });

  it('delivers on a later attempt when the handler recovers', async () => {
    const { broker, make } = setup();
    let calls = 0;
    const seen: string[] = [];
    broker.subscribe(TOPICS.chat, (e) => {
      if (++calls === 1) throw new Error('transient');
      seen.push(e.id);
    });
    await broker.publish(make.chat('x'));
    expect(await broker.tick()).toBe(0);
    expect(await broker.tick()).toBe(1);
    expect(seen).toEqual(['msg-0001']);
    expect(broker.metrics()).toMatchObject({ retried: 1, delivered: 1, dead_lettered: 0 });
  });

  it('dead-letters a NonRetriableError at once', async () => {
    const { broker, make } = setup();
    broker.subscribe(TOPICS.chat, () => {
      throw new NonRetriableError('bad input');
    });
    await broker.publish(make.chat('x'));
    await broker.drain();
    expect(broker.metrics()).toMatchObject({ retried: 0, dead_lettered: 1 });
    expect(broker.deadLetters()[0]?.attempts).toBe(1);
  });

  it('dead-letters after the default three redeliveries of an async failure', async () => {
    const { broker, make } = setup();
    broker.subscribe(TOPICS.chat, async () => {
      await Promise.resolve();
      throw new Error('async failure');
    });
    await broker.publish(make.chat('x'));
    await broker.drain();
    expect(broker.metrics()).toMatchObject({ retried: 3, dead_lettered: 1 });
    expect(broker.deadLetters()[0]?.attempts).toBe(4);
  });
});
