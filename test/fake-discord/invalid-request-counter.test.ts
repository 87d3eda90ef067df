/** The invalid-request counter: 401/403/429 (not shared 429s) over a sliding 10-minute window. */
import { afterEach, describe, expect, it } from 'vitest';
import type { FakeDiscord } from './fake-discord-rest.ts';
import { InvalidRequestCounter } from './invalid-request-counter.ts';
import type { TestClock } from './rest-test-client.ts';
import { call, startTestFake, TEST_BOT } from './rest-test-client.ts';

const CHANNEL = '510000000000000001';

describe('InvalidRequestCounter', () => {
  it('keeps entries for exactly ten minutes', () => {
    let now = 0;
    const counter = new InvalidRequestCounter(() => now);
    counter.record('bot', 401);
    now = 300_000;
    counter.record('bot', 429);
    counter.record('bot', 429, 'shared');
    counter.record('bot', 404);
    expect(counter.snapshot().count).toBe(2);
    now = 600_000;
    expect(counter.snapshot()).toEqual({
      count: 1,
      window_s: 600,
      by_status: { 429: 1 },
      by_bot: { bot: 1 },
    });
    now = 900_000;
    expect(counter.snapshot().count).toBe(0);
  });
});

describe('GET /__fake/invalid-requests', () => {
  let fake: FakeDiscord;
  let clock: TestClock;
  afterEach(() => fake.stop());

  it('counts 401, 403 and 429 responses but not shared-scope 429s', async () => {
    ({ fake, clock } = await startTestFake());
    const path = `/channels/${CHANNEL}/messages`;
    await call(fake, 'GET', path, { token: null });
    await call(fake, 'GET', path, { token: 'not-a-token' });
    fake.faults.add({ kind: 'missing-access', route: 'list_messages', count: 2 });
    await call(fake, 'GET', path);
    await call(fake, 'GET', path);
    fake.faults.add({ kind: 'rate-limit', scope: 'shared', route: 'list_messages' });
    const shared = await call(fake, 'GET', path);
    expect(shared.status).toBe(429);
    expect(shared.headers.get('x-ratelimit-scope')).toBe('shared');
    for (let i = 0; i < 6; i++) await call(fake, 'GET', path);
    await call(fake, 'GET', '/no/such/route');

    const res = await call(fake, 'GET', '/__fake/invalid-requests');
    expect(res.body).toEqual({
      count: 5,
      window_s: 600,
      by_status: { 401: 2, 403: 2, 429: 1 },
      by_bot: { anonymous: 2, [TEST_BOT.botUserId]: 3 },
    });
    const mine = await call(fake, 'GET', `/__fake/invalid-requests?bot=${TEST_BOT.botUserId}`);
    expect(mine.body).toMatchObject({ count: 3, by_status: { 403: 2, 429: 1 } });
  });

  it('drops invalid responses older than ten minutes', async () => {
    ({ fake, clock } = await startTestFake());
    await call(fake, 'GET', `/channels/${CHANNEL}`, { token: null });
    await call(fake, 'GET', `/channels/${CHANNEL}`, { token: null });
    clock.advance(5 * 60_000);
    fake.faults.add({ kind: 'missing-access' });
    await call(fake, 'GET', `/channels/${CHANNEL}`);
    expect(fake.state.invalidRequests().count).toBe(3);
    clock.advance(5 * 60_000);
    expect(fake.state.invalidRequests()).toMatchObject({ count: 1, by_status: { 403: 1 } });
    clock.advance(5 * 60_000);
    expect(fake.state.invalidRequests().count).toBe(0);
  });
});
