import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, inject, it } from 'vitest';
import type { RestStatus } from '../../../durable-objects/objects/rest-buckets.ts';
import type { RestResult } from '../../../durable-objects/rest/rest-executor.ts';
import { FAKE_BOT_USERS } from './fake-bot-credentials.ts';
import { fakeDiscord } from './fake-discord-client.ts';

let n = 0;
/** A RestBuckets object of its own per test (its state does not leak between tests). */
function restFor(tenant: 'duck' | 'goose') {
  const raw = env.REST_BUCKETS.get(env.REST_BUCKETS.idFromName(`${tenant}:test-${++n}`));
  // RPC types turn `unknown` payloads into `never`; the object returns these shapes.
  const stub = {
    call: (t: string, c: unknown) => raw.call(t, c) as unknown as Promise<RestResult>,
    postMessage: (t: string, c: Parameters<typeof raw.postMessage>[1]) =>
      raw.postMessage(t, c) as unknown as Promise<RestResult[]>,
    status: () => raw.status() as unknown as Promise<RestStatus>,
    holdInteractionToken: (i: unknown) => raw.holdInteractionToken(i),
    enableToken: () => raw.enableToken(),
  };
  return { stub, tenant };
}
const channel = () => String(700_000_000_000_000_000n + BigInt(++n * 1000));
const post = (channelId: string, content: string, key: string) => ({
  method: 'POST' as const,
  route: '/channels/{channel_id}/messages',
  params: { channel_id: channelId },
  body: { content, allowed_mentions: { parse: [] } },
  idempotency_key: key,
});

beforeEach(async () => {
  await fakeDiscord.reset();
});

describe('RestBuckets against the fake Discord', () => {
  it('learns the bucket from headers and waits instead of sending into an exhausted bucket', async () => {
    const { stub, tenant } = restFor('duck');
    const ch = channel();
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => stub.call(tenant, post(ch, `m${i}`, `k${i}`))),
    );
    expect(results.every((r) => r.ok)).toBe(true);
    expect((await fakeDiscord.state()).rate_limited).toBe(0);
    const status = await stub.status();
    expect(status.buckets.map((b) => b.id)).toEqual([`${results[0]!.bucket}:${ch}`]);
    expect(results[0]!.bucket).toMatch(/^[0-9a-f]+$/);
  });

  it('keeps one queue per major parameter: two channels share a bucket hash, not a queue', async () => {
    const { stub, tenant } = restFor('duck');
    const [a, b] = [channel(), channel()];
    await stub.call(tenant, post(a, 'a', 'ka'));
    await Promise.all([stub.call(tenant, post(a, 'a2', 'ka2')), stub.call(tenant, post(b, 'b', 'kb'))]);
    const ids = (await stub.status()).buckets.map((q) => q.id).sort();
    const hash = ids[0]!.split(':')[0];
    expect(ids).toEqual([`${hash}:${a}`, `${hash}:${b}`].sort());
  });

  it('respects the global limit: 60 requests over 60 channels at once, no 429', async () => {
    const { stub, tenant } = restFor('duck');
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) => stub.call(tenant, post(channel(), `g${i}`, `g${i}`))),
    );
    expect(results.filter((r) => !r.ok)).toEqual([]);
    expect((await fakeDiscord.state()).rate_limited).toBe(0);
  });

  it('handles a sublimit it cannot see in the headers: one 429, then waits instead of retrying into it', async () => {
    const { stub, tenant } = restFor('duck');
    const ch = channel();
    const rename = (name: string) => ({
      method: 'PATCH' as const,
      route: '/channels/{channel_id}',
      params: { channel_id: ch },
      body: { name },
      timeout_ms: 2_000,
    });
    expect((await stub.call(tenant, rename('one'))).ok).toBe(true);
    expect((await stub.call(tenant, rename('two'))).ok).toBe(true);
    const third = await stub.call(tenant, rename('three'));
    expect(third.ok).toBe(false);
    expect(third.status).toBe(429);
    expect(third.retry_after_ms).toBeGreaterThan(2_000);
    const fourth = await stub.call(tenant, rename('four'));
    expect(fourth.error?.code).toBe('would_exceed_timeout');
    expect((await fakeDiscord.state()).rate_limited).toBe(1);
  });

  it('retries after a 429 with headers, and after a bare 429 without them', async () => {
    const { stub, tenant } = restFor('duck');
    await fakeDiscord.addFault({ kind: 'rate-limit', route: 'create_message', retryAfter: 0.2, count: 1 });
    const first = await stub.call(tenant, post(channel(), 'x', 'r1'));
    expect(first, JSON.stringify(first)).toMatchObject({ ok: true });
    await fakeDiscord.addFault({ kind: 'bare-429', route: 'create_message', retryAfter: 1, count: 1 });
    const bare = await stub.call(tenant, post(channel(), 'y', 'r2'));
    expect(bare.ok).toBe(true);
    expect((await fakeDiscord.invalid(FAKE_BOT_USERS.duck)).by_status['429']).toBe(2);
  });

  it('stops at an HTML ban page instead of retrying, and holds every request of the tenant', async () => {
    const { stub, tenant } = restFor('duck');
    await fakeDiscord.addFault({ kind: 'ban-page', count: 1 });
    const banned = await stub.call(tenant, post(channel(), 'x', 'b1'));
    expect(banned).toMatchObject({ ok: false, status: 429, error: { code: 'banned' } });
    expect(banned.retry_after_ms).toBeGreaterThanOrEqual(60_000);
    const next = await stub.call(tenant, post(channel(), 'y', 'b2'));
    expect(next.error?.code).toBe('would_exceed_timeout');
    expect((await fakeDiscord.state()).requests_total).toBe(1);
  });

  it('trips the invalid-request breaker at the tenant budget, far below 10,000', async () => {
    const { stub, tenant } = restFor('goose');
    await fakeDiscord.addFault({ kind: 'missing-access', route: 'create_message', count: 'always' });
    const results = [];
    for (let i = 0; i < 60; i++) results.push(await stub.call(tenant, post(channel(), `s${i}`, `s${i}`)));
    expect(results.filter((r) => r.status === 403)).toHaveLength(40);
    expect(results.slice(40).every((r) => r.error?.code === 'circuit_open')).toBe(true);
    expect((await fakeDiscord.invalid(FAKE_BOT_USERS.goose)).count).toBe(40);
    expect((await stub.status()).budget).toMatchObject({
      breaker_open: true,
      budget: 40,
      invalid_in_window: 40,
    });
  });

  it('disables the token at the first 401 until an operator re-enables it', async () => {
    const { stub, tenant } = restFor('duck');
    await fakeDiscord.addFault({ kind: 'unauthorized', count: 1 });
    expect((await stub.call(tenant, post(channel(), 'x', 'u1'))).status).toBe(401);
    const blocked = await stub.call(tenant, post(channel(), 'y', 'u2'));
    expect(blocked.error?.code).toBe('token_disabled');
    expect((await fakeDiscord.state()).requests_total).toBe(1);
    await stub.enableToken();
    expect((await stub.call(tenant, post(channel(), 'z', 'u3'))).ok).toBe(true);
  });

  it('retries a 5xx a bounded number of times', async () => {
    const { stub, tenant } = restFor('duck');
    await fakeDiscord.addFault({
      kind: 'server-error',
      status: 500,
      route: 'create_message',
      count: 'always',
    });
    const result = await stub.call(tenant, post(channel(), 'x', 'e1'));
    expect(result).toMatchObject({ ok: false, status: 500 });
    expect((await fakeDiscord.requests()).length).toBe(4);
  });

  it('answers a webhook 404 without retrying or counting it as invalid', async () => {
    const { stub, tenant } = restFor('duck');
    await fakeDiscord.addFault({ kind: 'unknown-webhook', count: 1 });
    const result = await stub.call(tenant, {
      method: 'POST',
      route: '/webhooks/{webhook_id}/{webhook_token}',
      params: { webhook_id: '900000000000000001', webhook_token: 'tok' },
      body: { content: 'late' },
    });
    expect(result).toMatchObject({ ok: false, status: 404 });
    expect((await fakeDiscord.requests()).length).toBe(1);
    expect((await fakeDiscord.invalid(FAKE_BOT_USERS.duck)).count).toBe(0);
  });

  it('posts a redelivered PostMessage once, whether redelivered later or concurrently', async () => {
    const { stub, tenant } = restFor('duck');
    const ch = channel();
    const cmd = {
      channel: { foreign_id: ch },
      content: 'only once',
      mention_users: [],
      idempotency_key: 'post-1',
    };
    await stub.postMessage(tenant, cmd);
    await Promise.all([
      stub.postMessage(tenant, cmd),
      stub.postMessage(tenant, cmd),
      stub.postMessage(tenant, cmd),
    ]);
    expect((await fakeDiscord.state()).messages_per_channel[ch]).toBe(1);
  });

  it('splits a long message at 2,000 characters and sets allowed_mentions on every chunk', async () => {
    const { stub, tenant } = restFor('duck');
    const ch = channel();
    const content = `@everyone ${'quack '.repeat(750)}`;
    const results = await stub.postMessage(tenant, {
      channel: { foreign_id: ch },
      content,
      mention_users: ['42'],
      idempotency_key: 'long',
    });
    expect(results.map((r) => r.ok)).toEqual([true, true, true]);
    const posts = (await fakeDiscord.requests()).filter((r) => r.method === 'POST');
    const bodies = posts.map((p) => p.body as { content: string; allowed_mentions: unknown });
    expect(bodies.map((b) => b.content).join('')).toBe(content);
    expect(bodies.every((b) => b.content.length <= 2000)).toBe(true);
    for (const b of bodies)
      expect(b.allowed_mentions).toEqual({ parse: [], users: ['42'], replied_user: false });
  });

  it('answers an interaction with the token it holds (edit the original, then follow up)', async () => {
    const { stub, tenant } = restFor('duck');
    const urn = 'urn:discord:interaction:duck:123';
    // Discord only accepts follow-ups once the interaction was answered (the functions Worker defers it).
    await stub.call(tenant, {
      method: 'POST',
      route: '/interactions/{interaction_id}/{interaction_token}/callback',
      params: { interaction_id: '123', interaction_token: 'interaction-tok' },
      body: { type: 5 },
    });
    await stub.holdInteractionToken({
      urn,
      application_id: '900000000000000001',
      token: 'interaction-tok',
      received_at: Date.now(),
    });
    const results = await stub.postMessage(tenant, {
      channel: { foreign_id: channel() },
      content: 'done',
      mention_users: [],
      idempotency_key: 'ix',
      interaction_urn: urn,
    });
    expect(results[0]?.ok).toBe(true);
    // The answer replaces the deferred "thinking…" response; a second answer follows up.
    const second = await stub.postMessage(tenant, {
      channel: { foreign_id: channel() },
      content: 'and more',
      mention_users: [],
      idempotency_key: 'ix2',
      interaction_urn: urn,
      interaction_response: 'followup',
    });
    expect(second[0]?.ok).toBe(true);
    const webhookCalls = (await fakeDiscord.requests()).filter((r) => r.path.startsWith('/webhooks/'));
    expect(webhookCalls.map((r) => `${r.method} ${r.path}`)).toEqual([
      'PATCH /webhooks/900000000000000001/interaction-tok/messages/@original',
      'POST /webhooks/900000000000000001/interaction-tok',
    ]);
    const expired = await stub.postMessage(tenant, {
      channel: { foreign_id: '1' },
      content: 'late',
      mention_users: [],
      idempotency_key: 'iy',
      interaction_urn: 'urn:discord:interaction:duck:999',
    });
    expect(expired[0]).toMatchObject({ ok: false, status: 404, error: { code: 'unknown_interaction' } });
    // The status (and so /admin/status, /metrics and the status page) names the webhook queues by a
    // keyed digest of the token, never the token.
    const status = JSON.stringify(await stub.status());
    expect(status).toMatch(/:900000000000000001:h_[A-Za-z0-9_-]{12}"/);
    expect(status).not.toContain('interaction-tok');
  });

  it('sends interaction follow-ups outside the global limit, while bot requests keep to it', async () => {
    const { stub, tenant } = restFor('duck');
    const appId = '900000000000000001';
    const followUps = 60;
    const ordinary = 55;
    const urns = await Promise.all(
      Array.from({ length: followUps }, async () => {
        const id = String(880_000_000_000_000_000n + BigInt(++n));
        const token = `fu-tok-${id}`;
        // The deferral is sent by the functions Worker, not through RestBuckets: straight to the fake.
        const callback = await fetch(
          `${inject('fakeDiscord').restUrl}/interactions/${id}/${token}/callback`,
          {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ type: 5 }),
          },
        );
        expect(callback.status).toBe(204);
        const urn = `urn:discord:interaction:duck:${id}`;
        await stub.holdInteractionToken({ urn, application_id: appId, token, received_at: Date.now() });
        return urn;
      }),
    );
    const before = (await fakeDiscord.requests()).length;
    const answer = (urn: string, i: number) =>
      stub.postMessage(tenant, {
        channel: { foreign_id: channel() },
        content: `answer ${i}`,
        mention_users: [],
        idempotency_key: `fu${i}`,
        interaction_urn: urn,
        interaction_response: i % 2 === 0 ? 'edit_original' : 'followup',
      });
    // Half the follow-ups first (they would take global slots), the bot requests, then the rest.
    const half = followUps / 2;
    const results = await Promise.all([
      ...urns.slice(0, half).map((urn, i) => answer(urn, i)),
      ...Array.from({ length: ordinary }, (_, i) =>
        stub.call(tenant, post(channel(), `o${i}`, `o${i}`)).then((r) => [r]),
      ),
      ...urns.slice(half).map((urn, i) => answer(urn, half + i)),
    ]);
    expect(results.flat().filter((r) => !r.ok)).toEqual([]);
    expect((await fakeDiscord.state()).rate_limited).toBe(0);
    const sent = (await fakeDiscord.requests()).slice(before);
    const hooks = sent.filter((r) => r.path.startsWith('/webhooks/'));
    const bot = sent.filter((r) => r.path.startsWith('/channels/')).sort((a, b) => a.time - b.time);
    expect([hooks.length, bot.length]).toEqual([followUps, ordinary]);
    // Discord needs no bot token on an interaction token's routes, and is not sent one.
    expect(hooks.every((r) => r.bot === null)).toBe(true);
    // The bot requests keep to 50 a second: the 51st goes a second after the first.
    expect(bot[50]!.time - bot[0]!.time).toBeGreaterThanOrEqual(1_000);
    // No follow-up waited for a global slot: each went before the 51st bot request.
    expect(Math.max(...hooks.map((r) => r.time))).toBeLessThan(bot[50]!.time);
  });

  it('refuses an invalid post with a 400 result naming the problem, sending nothing', async () => {
    const { stub, tenant } = restFor('duck');
    const bad = [
      { channel: {}, content: 'x', mention_users: [], idempotency_key: 'b1' } as never,
      { channel: { foreign_id: channel() }, content: '', mention_users: [], idempotency_key: 'b2' },
      {
        channel: { foreign_id: channel() },
        content: 'x'.repeat(20_001),
        mention_users: [],
        idempotency_key: 'b3',
      },
      {
        channel: { foreign_id: channel() },
        content: 'x',
        mention_users: Array(101).fill('1'),
        idempotency_key: 'b4',
      },
    ];
    for (const command of bad) {
      const [result, ...rest] = await stub.postMessage(tenant, command);
      expect(rest).toEqual([]);
      expect(result).toMatchObject({ ok: false, status: 400, error: { code: 'invalid_request' } });
    }
    expect(await fakeDiscord.requests()).toEqual([]);
  });
});
