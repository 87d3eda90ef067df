import type { PayloadOf } from '@promethean/schemas/message-definition';
import type { RestRequest } from '@promethean/schemas/rest/rest-messages';
import { RestResponse } from '@promethean/schemas/rest/rest-messages';
import { describe, expect, it } from 'vitest';
import { normalizedResponses, splitBySize } from './normalized-response.ts';

const CHANNEL = '700000000000000001';

function rawMessage(id: string, content: string) {
  return {
    id,
    channel_id: CHANNEL,
    author: { id: '42', username: 'ada' },
    content,
    timestamp: '2026-11-01T09:00:00.000000+00:00',
    edited_timestamp: null,
    mentions: [],
    mention_roles: [],
    mention_everyone: false,
    attachments: [],
    embeds: [],
    type: 0,
  };
}

const request = (normalize?: PayloadOf<typeof RestRequest>['normalize']): PayloadOf<typeof RestRequest> => ({
  method: 'GET',
  route: '/channels/{channel_id}/messages',
  params: { channel_id: CHANNEL },
  ...(normalize && { normalize }),
});

const ok = (data: unknown) => ({ ok: true, status: 200, bucket: 'b', retry_after_ms: null, data });
const ctx = { tenant: 'duck', botUserId: '100', receivedAt: '2026-11-20T10:00:00.000Z' };

describe('normalized list answers', () => {
  it('replaces the raw page with normalized messages and describes the whole page', () => {
    const page = [rawMessage('900000000000000010', 'new'), rawMessage('900000000000000009', 'old')];
    const [only, ...rest] = normalizedResponses(
      request({ kind: 'messages', space_id: '800' }),
      ok(page),
      ctx,
    );
    expect(rest).toHaveLength(0);
    expect(only?.data).toBeNull();
    expect(only?.page).toEqual({
      count: 2,
      oldest_id: '900000000000000009',
      newest_id: '900000000000000010',
    });
    expect(only?.part).toEqual({ index: 0, count: 1 });
    const first = only?.normalized?.messages[0];
    expect(first?.urn).toBe('urn:discord:message:duck:900000000000000010');
    expect(first?.space?.foreign_id).toBe('800');
    expect(first?.is_direct).toBe(false);
    expect(first).not.toHaveProperty('provider_payload');
    expect(RestResponse.payload.safeParse(only).success).toBe(true);
  });

  it('orders snowflakes numerically when finding the oldest id', () => {
    const page = [rawMessage('10000000000000000', 'a'), rawMessage('9999999999999999', 'b')];
    const [only] = normalizedResponses(request({ kind: 'messages' }), ok(page), ctx);
    expect(only?.page?.oldest_id).toBe('9999999999999999');
  });

  it('splits a page that would not fit one queue message into parts that each do', () => {
    const big = 'x'.repeat(1_900);
    const page = Array.from({ length: 100 }, (_, i) =>
      rawMessage(String(900000000000000100n - BigInt(i)), big),
    );
    const parts = normalizedResponses(request({ kind: 'messages' }), ok(page), ctx);
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.map((p) => p.part?.index)).toEqual(parts.map((_, i) => i));
    expect(parts.flatMap((p) => p.normalized?.messages.map((m) => m.foreign_id))).toHaveLength(100);
    for (const p of parts) {
      expect(new TextEncoder().encode(JSON.stringify(p)).byteLength).toBeLessThan(100 * 1024);
      expect(p.page?.count).toBe(100);
    }
  });

  it('keeps every message when splitting, in order, with at least one per part', () => {
    const m = (id: string) => ({ foreign_id: id }) as never;
    expect(splitBySize([m('1'), m('2'), m('3')], 1).map((p) => p.length)).toEqual([1, 1, 1]);
    expect(splitBySize([], 100)).toEqual([[]]);
  });

  it('passes failures and unnormalized answers through untouched', () => {
    const failed = { ok: false, status: 403, bucket: null, retry_after_ms: null, data: null };
    expect(normalizedResponses(request({ kind: 'messages' }), failed, ctx)).toEqual([failed]);
    const plain = ok([rawMessage('1', 'a')]);
    expect(normalizedResponses(request(), plain, ctx)).toEqual([plain]);
  });

  it('reports a malformed provider message instead of guessing', () => {
    expect(() => normalizedResponses(request({ kind: 'messages' }), ok([{ id: 'nope' }]), ctx)).toThrow();
  });
});
