import { describe, expect, it } from 'vitest';
import { splitMessage } from './message-splitter.ts';
import { postMessageCalls } from './post-message-calls.ts';
import { readRateLimit } from './rate-limit-headers.ts';
import { expandRoute, randomKeyedDigest, routeKey } from './route-key.ts';

const digest = randomKeyedDigest(new Uint8Array(32).fill(7));

describe('routeKey', () => {
  it('splits the same route by channel, guild or webhook', () => {
    const a = routeKey(
      {
        method: 'post',
        route: '/channels/{channel_id}/messages',
        params: { channel_id: '1' },
      },
      digest,
    );
    const b = routeKey(
      {
        method: 'POST',
        route: '/channels/{channel_id}/messages',
        params: { channel_id: '2' },
      },
      digest,
    );
    expect(a.routeId).toBe(b.routeId);
    expect([a.major, b.major]).toEqual(['1', '2']);
    expect(
      routeKey({ method: 'GET', route: '/guilds/{guild_id}', params: { guild_id: '7' } }, digest).major,
    ).toBe('7');
    expect(
      routeKey(
        {
          method: 'POST',
          route: '/webhooks/{webhook_id}/{webhook_token}',
          params: { webhook_id: 'w', webhook_token: 't' },
        },
        digest,
      ).major,
    ).toBe(`w:${digest('t')}`);
    expect(routeKey({ method: 'GET', route: '/gateway/bot', params: {} }, digest).major).toBe('global');
  });

  it('never puts a webhook or interaction token in a queue id, only a keyed digest', () => {
    const token = 'aW50ZXJhY3Rpb246MTIzNDU2Nzg5OnNlY3JldC10b2tlbg';
    const webhook = routeKey(
      {
        method: 'PATCH',
        route: '/webhooks/{webhook_id}/{webhook_token}/messages/@original',
        params: { webhook_id: '42', webhook_token: token },
      },
      digest,
    );
    const interaction = routeKey(
      {
        method: 'POST',
        route: '/interactions/{interaction_id}/{interaction_token}/callback',
        params: { application_id: '42', interaction_token: token },
      },
      digest,
    );
    for (const key of [webhook, interaction]) {
      expect(key.major).not.toContain(token);
      expect(key.major).toMatch(/^42:h_[A-Za-z0-9_-]{12}$/);
    }
    // The same token keeps one queue; another key (another Durable Object life) gives another digest.
    expect(webhook.major).toBe(interaction.major);
    expect(randomKeyedDigest()(token)).not.toBe(digest(token));
  });

  it('expands templates and refuses a missing parameter', () => {
    expect(
      expandRoute({ method: 'GET', route: '/channels/{channel_id}/messages', params: { channel_id: '5' } }),
    ).toBe('/channels/5/messages');
    expect(() => expandRoute({ method: 'GET', route: '/channels/{channel_id}', params: {} })).toThrow(
      /channel_id/,
    );
  });
});

describe('readRateLimit', () => {
  it('reads bucket headers', () => {
    const h = new Headers({
      'x-ratelimit-bucket': 'abcd',
      'x-ratelimit-limit': '5',
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset-after': '1.25',
    });
    expect(readRateLimit(h, 0)).toMatchObject({
      bucket: 'abcd',
      limit: 5,
      remaining: 0,
      resetAfterMs: 1250,
      global: false,
    });
  });

  it('reads a global 429 body and its scope', () => {
    const h = new Headers({
      'x-ratelimit-global': 'true',
      'x-ratelimit-scope': 'global',
      'retry-after': '3',
    });
    expect(readRateLimit(h, 0, { retry_after: 0.5, global: true })).toMatchObject({
      global: true,
      scope: 'global',
      retryAfterMs: 500,
    });
  });

  it('falls back to Retry-After when a 429 has no body and no bucket headers', () => {
    expect(readRateLimit(new Headers({ 'retry-after': '2' }), 0)).toMatchObject({
      bucket: null,
      retryAfterMs: 2000,
      resetAfterMs: null,
    });
  });
});

describe('splitMessage', () => {
  it('keeps short messages whole', () => {
    expect(splitMessage('quack')).toEqual(['quack']);
  });

  it('splits at 2,000 characters on a word boundary and loses nothing', () => {
    const text = 'word '.repeat(1000);
    const chunks = splitMessage(text);
    expect(chunks.length).toBe(3);
    expect(chunks.every((c) => c.length <= 2000)).toBe(true);
    expect(chunks.join('')).toBe(text);
    expect(chunks[0]!.endsWith(' ')).toBe(true);
  });

  it('cuts hard when there is no boundary', () => {
    const chunks = splitMessage('x'.repeat(4500));
    expect(chunks.map((c) => c.length)).toEqual([2000, 2000, 500]);
  });
});

describe('postMessageCalls', () => {
  it('never lets a message ping everyone, here or roles, and only names users it was told', () => {
    const calls = postMessageCalls({
      channel: { foreign_id: '42' },
      content: '@everyone <@&1> <@2> hi',
      mention_users: ['2', '2'],
      idempotency_key: 'k',
    });
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      method: 'POST',
      route: '/channels/{channel_id}/messages',
      params: { channel_id: '42' },
      idempotency_key: 'k#0',
      body: { allowed_mentions: { parse: [], users: ['2'], replied_user: false } },
    });
  });

  it('replies with message_reference on the first chunk only', () => {
    const calls = postMessageCalls({
      channel: { foreign_id: '42' },
      content: 'y'.repeat(2500),
      reply_to: '99',
      mention_users: [],
      idempotency_key: 'k',
    });
    expect(calls.map((c) => (c.body as { message_reference?: unknown }).message_reference)).toEqual([
      { message_id: '99', fail_if_not_exists: false },
      undefined,
    ]);
    expect(calls.map((c) => c.idempotency_key)).toEqual(['k#0', 'k#1']);
  });

  it('answers an interaction by replacing its deferred response, further chunks as follow-ups', () => {
    const calls = postMessageCalls({
      channel: { foreign_id: '42' },
      content: 'z'.repeat(2500),
      reply_to: '99',
      mention_users: [],
      idempotency_key: 'k',
      interaction: { application_id: 'app', token: 'tok' },
      ephemeral: true,
    });
    expect(calls.map((c) => [c.method, c.route])).toEqual([
      ['PATCH', '/webhooks/{webhook_id}/{webhook_token}/messages/@original'],
      ['POST', '/webhooks/{webhook_id}/{webhook_token}'],
    ]);
    expect(calls.every((c) => c.params.webhook_id === 'app' && c.params.webhook_token === 'tok')).toBe(true);
    // The edit keeps the deferred response's own flags; a follow-up must say it is ephemeral itself.
    expect(calls.map((c) => (c.body as { flags?: number }).flags)).toEqual([undefined, 64]);
    expect(calls.map((c) => (c.body as { message_reference?: unknown }).message_reference)).toEqual([
      undefined,
      undefined,
    ]);
  });

  it('edits the same original again when asked (progress), and posts only follow-ups when asked', () => {
    const base = {
      channel: { foreign_id: '42' },
      mention_users: [],
      interaction: { application_id: 'app', token: 'tok' },
    };
    const progress = [1, 2].map(
      (n) => postMessageCalls({ ...base, content: `page ${n}`, idempotency_key: `p${n}` })[0],
    );
    expect(progress.map((c) => c?.route)).toEqual([
      '/webhooks/{webhook_id}/{webhook_token}/messages/@original',
      '/webhooks/{webhook_id}/{webhook_token}/messages/@original',
    ]);
    const followups = postMessageCalls({
      ...base,
      content: 'x'.repeat(2100),
      idempotency_key: 'f',
      interaction_response: 'followup',
    });
    expect(followups.map((c) => [c.method, c.route])).toEqual([
      ['POST', '/webhooks/{webhook_id}/{webhook_token}'],
      ['POST', '/webhooks/{webhook_id}/{webhook_token}'],
    ]);
  });
});
