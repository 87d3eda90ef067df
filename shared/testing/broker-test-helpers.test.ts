import { describe, expect, it } from 'vitest';
import type { InMemoryBroker } from '../broker/in-memory-broker.ts';
import {
  awaitNextMessage,
  expectDelivered,
  MessageWaitTimeoutError,
  matchesPartial,
  recordingSubscriber,
  withMockBroker,
} from './broker-test-helpers.ts';
import { FakeClock } from './fake-clock.ts';
import { TOPICS, testEnvelopes } from './test-envelopes.ts';

describe('recordingSubscriber', () => {
  it('records deliveries in order and clears in place', async () => {
    await withMockBroker({ clock: new FakeClock() }, async (broker) => {
      const make = testEnvelopes();
      const rec = recordingSubscriber(broker, TOPICS.chat, { name: 'recorder' });
      const live = rec.messages;
      await broker.publish(make.chat('a'));
      await broker.publish(make.chat('b'));
      await broker.drain();
      expect(rec.messages.map((m) => m.id)).toEqual(['msg-0001', 'msg-0002']);
      expect(rec.subscription).toMatchObject({ pattern: TOPICS.chat, name: 'recorder' });
      rec.clear();
      expect(live).toEqual([]);
    });
  });
});

describe('awaitNextMessage', () => {
  it('resolves with the next matching message and then unsubscribes', async () => {
    await withMockBroker({ clock: new FakeClock() }, async (broker) => {
      const make = testEnvelopes();
      const next = awaitNextMessage(broker, TOPICS.anyChat, {
        timeoutMs: 100,
        where: (e) => (e.payload as { content: string }).content === 'wanted',
      });
      await broker.publish(make.chat('ignored'));
      await broker.publish(make.chat('wanted'));
      await broker.drain();
      await expect(next).resolves.toMatchObject({ id: 'msg-0002' });
      expect(broker.metrics().subscribers).toEqual([]);
      expect(broker.scheduler instanceof FakeClock && broker.scheduler.pendingTimers()).toEqual([]);
    });
  });

  it('times out on the broker’s own clock', async () => {
    const clock = new FakeClock();
    await withMockBroker({ clock }, async (broker) => {
      const next = awaitNextMessage(broker, TOPICS.chat, { timeoutMs: 50 });
      clock.advance(50);
      await expect(next).rejects.toBeInstanceOf(MessageWaitTimeoutError);
      await expect(next).rejects.toThrow(`no message on ${TOPICS.chat} within 50 ms`);
    });
  });
});

describe('expectDelivered', () => {
  const make = testEnvelopes();
  const messages = [make.chat('hello'), make.health('indexer'), make.chat('bye')];

  it('returns the matches for a partial envelope, a regexp or a predicate', () => {
    expect(expectDelivered(messages, { intent: 'SocialMessageCreated' })).toHaveLength(2);
    expect(expectDelivered(messages, { payload: { content: /^by/ } }, 1)[0]?.id).toBe('msg-0003');
    expect(expectDelivered(messages, (e) => e.intent === 'health', 1)).toEqual([messages[1]]);
  });

  it('throws a descriptive error listing what was delivered', () => {
    const attempt = () => expectDelivered(messages, { intent: 'PostMessage' });
    expect(attempt).toThrow(
      /expected at least 1 delivered message\(s\) matching \{"intent":"PostMessage"\}, found 0/,
    );
    expect(attempt).toThrow(
      /Delivered \(3\):\n {2}#0 id=msg-0001 intent=SocialMessageCreated dst=promethean/,
    );
    expect(attempt).toThrow(/#1 id=msg-0002 intent=health/);
  });

  it('fails on a count mismatch and on an empty recording', () => {
    expect(() => expectDelivered(messages, { intent: 'SocialMessageCreated' }, 1)).toThrow(
      /expected exactly 1 .* found 2/,
    );
    expect(() =>
      expectDelivered([], function isAnything() {
        return true;
      }),
    ).toThrow(/matching predicate isAnything, found 0. Delivered \(0\):\n {2}\(nothing\)/);
  });

  it('matches nested partials field by field', () => {
    expect(matchesPartial({ a: { b: 1, c: 2 }, d: [1, 2] }, { a: { b: 1 }, d: [1, 2] })).toBe(true);
    expect(matchesPartial({ a: { b: 1 } }, { a: { b: 2 } })).toBe(false);
    expect(matchesPartial({ d: [1, 2] }, { d: [1] })).toBe(false);
    expect(matchesPartial({ a: 1 }, { a: { b: 1 } })).toBe(false);
  });
});

describe('withMockBroker', () => {
  it('returns the callback’s value and closes the broker', async () => {
    let seen: InMemoryBroker | undefined;
    const value = await withMockBroker({ clock: new FakeClock() }, (broker) => {
      seen = broker;
      return 42;
    });
    expect(value).toBe(42);
    expect(seen?.state).toBe('closed');
  });

  it('closes the broker even when the callback throws', async () => {
    let seen: InMemoryBroker | undefined;
    await expect(
      withMockBroker({ clock: new FakeClock() }, async (broker) => {
        seen = broker;
        throw new Error('test failed');
      }),
    ).rejects.toThrow('test failed');
    expect(seen?.state).toBe('closed');
  });
});
