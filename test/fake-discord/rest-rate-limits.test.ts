/** Per-route buckets, major-parameter splits, the channel rename sublimit and the global limit. */
import { afterEach, describe, expect, it } from 'vitest';
import type { FakeDiscord } from './fake-discord-rest.ts';
import type { TestClock } from './rest-test-client.ts';
import { call, OTHER_TOKEN, startTestFake, TEST_BOT } from './rest-test-client.ts';

const CHANNEL_A = '500000000000000001';
const CHANNEL_B = '500000000000000002';

function post(fake: FakeDiscord, channelId: string, token?: string) {
  return call(fake, 'POST', `/channels/${channelId}/messages`, { body: { content: 'hello' }, token });
}

describe('per-route rate limits', () => {
  let fake: FakeDiscord;
  let clock: TestClock;
  afterEach(() => fake.stop());

  it('counts X-RateLimit-Remaining down and answers the sixth message in 5 s with a 429', async () => {
    ({ fake, clock } = await startTestFake());
    const start = clock.now();
    const remaining: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await post(fake, CHANNEL_A);
      expect(res.status).toBe(200);
      expect(res.headers.get('x-ratelimit-limit')).toBe('5');
      expect(res.headers.get('x-ratelimit-reset')).toBe(((start + 5000) / 1000).toFixed(3));
      expect(res.headers.get('x-ratelimit-reset-after')).toBe('5.000');
      remaining.push(res.headers.get('x-ratelimit-remaining') ?? '');
    }
    expect(remaining).toEqual(['4', '3', '2', '1', '0']);

    clock.advance(1500);
    const limited = await post(fake, CHANNEL_A);
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({ message: 'You are being rate limited.', retry_after: 3.5, global: false });
    expect(limited.headers.get('retry-after')).toBe('4');
    expect(limited.headers.get('x-ratelimit-scope')).toBe('user');
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(limited.headers.get('x-ratelimit-reset-after')).toBe('3.500');
    expect(limited.headers.get('x-ratelimit-global')).toBeNull();
    expect(fake.state.messages(CHANNEL_A)).toHaveLength(5);

    clock.advance(3500);
    const after = await post(fake, CHANNEL_A);
    expect(after.status).toBe(200);
    expect(after.headers.get('x-ratelimit-remaining')).toBe('4');
  });

  it('splits buckets by channel: the same bucket hash, independent counters', async () => {
    ({ fake, clock } = await startTestFake());
    for (let i = 0; i < 5; i++) await post(fake, CHANNEL_A);
    expect((await post(fake, CHANNEL_A)).status).toBe(429);
    const other = await post(fake, CHANNEL_B);
    expect(other.status).toBe(200);
    expect(other.headers.get('x-ratelimit-remaining')).toBe('4');
    const hashA = (await call(fake, 'POST', `/channels/${CHANNEL_A}/messages`, { body: { content: 'x' } }))
      .headers;
    expect(hashA.get('x-ratelimit-bucket')).toBe(other.headers.get('x-ratelimit-bucket'));
  });

  it('keeps each bot token in buckets of its own', async () => {
    ({ fake, clock } = await startTestFake());
    for (let i = 0; i < 5; i++) await post(fake, CHANNEL_A);
    expect((await post(fake, CHANNEL_A)).status).toBe(429);
    expect((await post(fake, CHANNEL_A, OTHER_TOKEN)).status).toBe(200);
  });

  it('gives routes Discord groups together one bucket hash', async () => {
    ({ fake, clock } = await startTestFake());
    const app = TEST_BOT.applicationId;
    const global = await call(fake, 'PUT', `/applications/${app}/commands`, { body: [] });
    const guild = await call(fake, 'PUT', `/applications/${app}/guilds/600000000000000001/commands`, {
      body: [],
    });
    const list = await call(fake, 'GET', `/applications/${app}/commands`);
    expect(global.headers.get('x-ratelimit-bucket')).toBe(guild.headers.get('x-ratelimit-bucket'));
    expect(list.headers.get('x-ratelimit-bucket')).not.toBe(global.headers.get('x-ratelimit-bucket'));
  });

  it('applies configured limits instead of the defaults', async () => {
    ({ fake, clock } = await startTestFake({
      rateLimits: { routes: { create_message: { limit: 1, windowMs: 250 } } },
    }));
    expect((await post(fake, CHANNEL_A)).status).toBe(200);
    const limited = await post(fake, CHANNEL_A);
    expect(limited.body).toMatchObject({ retry_after: 0.25 });
    expect(limited.headers.get('retry-after')).toBe('1');
  });
});

describe('the channel rename sublimit', () => {
  let fake: FakeDiscord;
  let clock: TestClock;
  afterEach(() => fake.stop());

  it('allows two renames per 10 minutes and answers the third with remaining still above zero', async () => {
    ({ fake, clock } = await startTestFake());
    const rename = (name: string) => call(fake, 'PATCH', `/channels/${CHANNEL_A}`, { body: { name } });
    expect((await rename('one')).status).toBe(200);
    expect((await rename('two')).status).toBe(200);
    const limited = await rename('three');
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ retry_after: 600, global: false });
    expect(limited.headers.get('x-ratelimit-scope')).toBe('user');
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('3');

    const other = await call(fake, 'PATCH', `/channels/${CHANNEL_A}`, { body: { nsfw: true } });
    expect(other.status).toBe(200);
    expect(other.body).toMatchObject({ name: 'two' });

    clock.advance(600_000);
    expect((await rename('three')).body).toMatchObject({ name: 'three' });
  });
});

describe('the global rate limit', () => {
  let fake: FakeDiscord;
  let clock: TestClock;
  afterEach(() => fake.stop());

  it('answers the 51st request in a second with a global 429, sparing interaction callbacks', async () => {
    ({ fake, clock } = await startTestFake({
      rateLimits: { routes: { create_message: { limit: 100, windowMs: 1000 } } },
    }));
    for (let i = 0; i < 50; i++) expect((await post(fake, CHANNEL_A)).status).toBe(200);
    const limited = await post(fake, CHANNEL_B);
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({ message: 'You are being rate limited.', retry_after: 1, global: true });
    expect(limited.headers.get('x-ratelimit-global')).toBe('true');
    expect(limited.headers.get('x-ratelimit-scope')).toBe('global');
    expect(limited.headers.get('x-ratelimit-bucket')).toBeNull();

    const interaction = fake.state.createInteraction();
    const callback = await call(
      fake,
      'POST',
      `/interactions/${interaction.id}/${interaction.token}/callback`,
      {
        body: { type: 5 },
      },
    );
    expect(callback.status).toBe(204);

    clock.advance(1000);
    expect((await post(fake, CHANNEL_B)).status).toBe(200);
  });
});
