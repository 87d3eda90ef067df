/** Every scripted REST fault, through the TS API and through POST /__fake/faults. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FakeDiscord } from './fake-discord-rest.ts';
import type { TestClock } from './rest-test-client.ts';
import { call, startTestFake, TEST_BOT } from './rest-test-client.ts';

const CHANNEL = '520000000000000001';
const MESSAGES = `/channels/${CHANNEL}/messages`;

function send(fake: FakeDiscord) {
  return call(fake, 'POST', MESSAGES, { body: { content: 'hi' } });
}

describe('scripted REST faults', () => {
  let fake: FakeDiscord;
  let clock: TestClock;
  beforeEach(async () => {
    ({ fake, clock } = await startTestFake());
  });
  afterEach(() => fake.stop());

  it('answers a 429 burst with full rate-limit headers, then lets requests through', async () => {
    fake.faults.add({
      kind: 'rate-limit',
      route: '/channels/{channel_id}/messages',
      method: 'POST',
      count: 2,
      retryAfter: 2.5,
    });
    for (let i = 0; i < 2; i++) {
      const res = await send(fake);
      expect(res.status).toBe(429);
      expect(res.body).toEqual({ message: 'You are being rate limited.', retry_after: 2.5, global: false });
      expect(res.headers.get('retry-after')).toBe('3');
      expect(res.headers.get('x-ratelimit-remaining')).toBe('0');
      expect(res.headers.get('x-ratelimit-reset-after')).toBe('2.500');
      expect(res.headers.get('x-ratelimit-reset')).toBe(((clock.now() + 2500) / 1000).toFixed(3));
      expect(res.headers.get('x-ratelimit-bucket')).toMatch(/^[0-9a-f]{32}$/);
      expect(res.headers.get('x-ratelimit-scope')).toBe('user');
    }
    expect((await send(fake)).status).toBe(200);
    expect(fake.state.messages(CHANNEL)).toHaveLength(1);
    expect(fake.state.snapshot().rate_limited).toBe(2);
  });

  it('scripts a global 429 with X-RateLimit-Global', async () => {
    fake.faults.add({ kind: 'rate-limit', scope: 'global', retryAfter: 0.2 });
    const res = await send(fake);
    expect(res.body).toEqual({ message: 'You are being rate limited.', retry_after: 0.2, global: true });
    expect(res.headers.get('x-ratelimit-global')).toBe('true');
    expect(res.headers.get('x-ratelimit-scope')).toBe('global');
  });

  it('serves a Cloudflare-level 429 with only Retry-After and no JSON', async () => {
    fake.faults.add({ kind: 'bare-429', retryAfter: 7 });
    const res = await send(fake);
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('7');
    expect([...res.headers.keys()].filter((h) => h.startsWith('x-ratelimit'))).toEqual([]);
    expect(res.headers.get('content-type')).toBe('text/plain');
    expect(res.text).toBe('error code: 1015');
  });

  it('serves the HTML ban page with status 429', async () => {
    fake.faults.add({ kind: 'ban-page' });
    const res = await send(fake);
    expect(res.status).toBe(429);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.text).toContain('<h1>Error 1015</h1>');
    expect(res.headers.get('retry-after')).toBeNull();
  });

  it('answers a 403 storm with Missing Access, only for the targeted method', async () => {
    fake.faults.add({ kind: 'missing-access', method: 'POST', count: 3 });
    expect((await call(fake, 'GET', MESSAGES)).status).toBe(200);
    for (let i = 0; i < 3; i++)
      expect((await send(fake)).body).toEqual({ message: 'Missing Access', code: 50001 });
    expect((await send(fake)).status).toBe(200);
  });

  it('answers 401 even for a valid token', async () => {
    fake.faults.add({ kind: 'unauthorized' });
    const res = await send(fake);
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ message: '401: Unauthorized', code: 0 });
  });

  it('answers 500 as JSON, 502 as Cloudflare HTML and 503 as proxy text', async () => {
    fake.faults.add({ kind: 'server-error' });
    fake.faults.add({ kind: 'server-error', status: 502 });
    fake.faults.add({ kind: 'server-error', status: 503 });
    const [a, b, c] = [await send(fake), await send(fake), await send(fake)];
    expect([a.status, b.status, c.status]).toEqual([500, 502, 503]);
    expect(a.body).toEqual({ message: '500: Internal Server Error', code: 0 });
    expect(b.text).toContain('502 Bad Gateway');
    expect(c.text).toMatch(/^upstream connect error/);
  });

  it('delays a slow request and then handles it normally', async () => {
    fake.faults.add({ kind: 'slow', delayMs: 60 });
    const started = performance.now();
    const res = await send(fake);
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);
    expect(res.status).toBe(200);
  });

  it('answers Unknown Webhook on the follow-up route it targets', async () => {
    const interaction = fake.state.createInteraction();
    await call(fake, 'POST', `/interactions/${interaction.id}/${interaction.token}/callback`, {
      body: { type: 5 },
    });
    fake.faults.add({ kind: 'unknown-webhook', route: 'execute_webhook' });
    const followUp = `/webhooks/${TEST_BOT.applicationId}/${interaction.token}`;
    expect((await send(fake)).status).toBe(200);
    const res = await call(fake, 'POST', followUp, { body: { content: 'late' }, token: null });
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ message: 'Unknown Webhook', code: 10015 });
    expect((await call(fake, 'POST', followUp, { body: { content: 'now' }, token: null })).status).toBe(200);
  });
});

describe('POST /__fake/faults', () => {
  let fake: FakeDiscord;
  beforeEach(async () => {
    ({ fake } = await startTestFake());
  });
  afterEach(() => fake.stop());

  it('adds, lists and clears faults, matching by path pattern', async () => {
    const added = await call(fake, 'POST', '/__fake/faults', {
      body: { kind: 'missing-access', path: '^/channels/\\d+/messages$', count: 'always' },
    });
    expect(added.body).toEqual({ id: 'fault-1' });
    expect((await call(fake, 'GET', '/__fake/faults')).body).toMatchObject([
      { id: 'fault-1', remaining: 'always' },
    ]);
    expect((await send(fake)).status).toBe(403);
    expect((await send(fake)).status).toBe(403);
    expect((await call(fake, 'GET', `/channels/${CHANNEL}`)).status).toBe(200);
    await call(fake, 'DELETE', '/__fake/faults?id=fault-1');
    expect((await send(fake)).status).toBe(200);
  });

  it('refuses a fault it does not understand', async () => {
    const res = await call(fake, 'POST', '/__fake/faults', { body: { kind: 'meteor-strike' } });
    expect(res.status).toBe(400);
    expect(fake.faults.list()).toEqual([]);
  });
});
