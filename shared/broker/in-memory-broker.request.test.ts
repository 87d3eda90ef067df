import { describe, expect, it } from 'vitest';
import { InvalidMessageError } from '../agent/agent-errors.ts';
import { FakeClock } from '../testing/fake-clock.ts';
import { TOPICS, testEnvelopes } from '../testing/test-envelopes.ts';
import { RequestTimeoutError } from './broker-client.ts';
import { InjectedFaultError } from './broker-errors.ts';
import { InMemoryBroker } from './in-memory-broker.ts';
import type { InMemoryBrokerOptions } from './in-memory-broker-options.ts';

function setup(options: InMemoryBrokerOptions = {}) {
  const clock = new FakeClock(0);
  const broker = new InMemoryBroker({ clock, ...options });
  return { clock, broker, make: testEnvelopes(clock) };
}

const respond = { responsePattern: TOPICS.restResponse, timeoutMs: 1_000 };

describe('InMemoryBroker request/response', () => {
  it('resolves with the response that carries the request’s corr', async () => {
    const { broker, make } = setup();
    broker.subscribe(TOPICS.restRequest, (req) => broker.publish(make.restResponse({ corr: req.corr })));
    const reply = broker.request(make.restRequest({ corr: 'corr-1' }), respond);
    await broker.drain();
    await expect(reply).resolves.toMatchObject({ intent: 'rest.response', corr: 'corr-1' });
    expect(broker.metrics().subscribers.map((s) => s.pattern)).toEqual([TOPICS.restRequest]);
  });

  it('ignores responses with another corr and keeps waiting for its own', async () => {
    const { broker, make } = setup();
    const reply = broker.request(make.restRequest({ corr: 'mine' }), respond);
    let settled = false;
    void reply.then(() => (settled = true));
    await broker.publish(make.restResponse({ corr: 'someone-else' }));
    await broker.publish(make.restResponse());
    await broker.drain();
    expect(settled).toBe(false);
    await broker.publish(make.restResponse({ corr: 'mine' }));
    await broker.drain();
    const response = await reply;
    expect(response.corr).toBe('mine');
    expect(response.id).toBe('msg-0004');
  });

  it('rejects with RequestTimeoutError once the broker clock passes the timeout', async () => {
    const { broker, make, clock } = setup();
    const reply = broker.request(make.restRequest({ corr: 'slow' }), { ...respond, timeoutMs: 500 });
    let failed: unknown;
    void reply.catch((error: unknown) => (failed = error));
    clock.advance(499);
    await broker.drain();
    expect(failed).toBeUndefined();
    clock.advance(1);
    await expect(reply).rejects.toBeInstanceOf(RequestTimeoutError);
    await expect(reply).rejects.toMatchObject({ corr: 'slow', topic: TOPICS.restResponse, timeoutMs: 500 });
    expect(broker.metrics().subscribers).toEqual([]);
    expect(clock.pendingTimers()).toEqual([]);
  });

  it('cancels the timeout once answered', async () => {
    const { broker, make, clock } = setup();
    const reply = broker.request(make.restRequest({ corr: 'c' }), respond);
    await broker.publish(make.restResponse({ corr: 'c' }));
    await broker.drain();
    await reply;
    expect(clock.pendingTimers()).toEqual([]);
  });

  it('refuses a request without a corr', async () => {
    const { broker, make } = setup();
    const reply = broker.request(make.restRequest(), respond);
    await expect(reply).rejects.toBeInstanceOf(InvalidMessageError);
    await expect(reply).rejects.toThrow(/request needs a corr/);
    expect(broker.metrics().published).toBe(0);
  });

  it('rejects when the request itself cannot be published', async () => {
    const { broker, make, clock } = setup();
    broker.addFault({ pattern: TOPICS.restRequest, action: 'error' });
    await expect(broker.request(make.restRequest({ corr: 'c' }), respond)).rejects.toBeInstanceOf(
      InjectedFaultError,
    );
    expect(broker.metrics().subscribers).toEqual([]);
    expect(clock.pendingTimers()).toEqual([]);
  });
});
