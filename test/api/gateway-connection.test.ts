/**
 * The gateway connection against the model double: a cancel (or a closed socket) stops the upstream stream
 * mid-way, the request ends with `cancelled`, and requests over the in-flight limit are refused at once with
 * `overloaded` and a retry hint while the others carry on.
 */
import type { GatewayEvent } from '@promethean/schemas/llm-gateway/gateway-messages';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayConnection } from '../../functions/llm-gateway/gateway-connection.ts';
import { gatewayCore } from '../../functions/llm-gateway/gateway-core.ts';
import { type ModelDouble, startModelDouble } from '../model-double/model-double.ts';

let double: ModelDouble;
const WORDS = 300;

beforeAll(async () => {
  // Paced, so a stream is still running when the test acts on it.
  double = await startModelDouble({ chunkDelayMs: 5, chatReply: () => 'word '.repeat(WORDS) });
});
afterAll(async () => {
  await double.stop();
});

function connection(maxInFlight = 8) {
  const events: GatewayEvent[] = [];
  const waiters: Array<() => void> = [];
  const core = gatewayCore({
    openai: new OpenAI({ apiKey: 'sk-double', baseURL: double.baseUrl, maxRetries: 0 }),
    defaultModel: 'm',
    defaultEmbeddingModel: 'e',
  });
  const conn = new GatewayConnection(
    core,
    (e) => {
      events.push(e);
      for (const w of waiters.splice(0)) w();
    },
    { maxInFlight, maxMessageBytes: 1 << 22, overloadRetryMs: 250 },
  );
  const until = async (test: () => boolean) => {
    while (!test()) await new Promise<void>((r) => waiters.push(r));
  };
  return { conn, events, until };
}

const chat = (id: string) =>
  JSON.stringify({
    type: 'chat.completion',
    request_id: id,
    messages: [{ role: 'user', content: 'go' }],
    stream: true,
  });

describe('gateway connection', () => {
  it('cancel stops the upstream stream mid-way and ends the request with cancelled', async () => {
    const { conn, events, until } = connection();
    double.requests.length = 0;
    const running = conn.handle(chat('c1'));
    await until(() => events.filter((e) => e.type === 'chat.delta').length >= 3);
    await conn.handle(JSON.stringify({ type: 'cancel', request_id: 'c1' }));
    await running;
    expect(events.at(-1)).toMatchObject({ type: 'error', request_id: 'c1', code: 'cancelled' });
    expect(events.some((e) => e.type === 'chat.complete')).toBe(false);
    await expect.poll(() => double.requests[0]?.stream?.outcome).toBe('client-closed');
    expect(double.requests[0]?.stream?.chunks).toBeLessThan(WORDS);
    expect(conn.inFlight).toBe(0);
  });

  it('closing the socket stops every stream it started', async () => {
    const { conn, events, until } = connection();
    double.requests.length = 0;
    const running = [conn.handle(chat('a')), conn.handle(chat('b'))];
    await until(
      () => new Set(events.filter((e) => e.type === 'chat.delta').map((e) => e.request_id)).size === 2,
    );
    conn.close();
    await Promise.all(running);
    await expect
      .poll(() => double.requests.map((r) => r.stream?.outcome))
      .toEqual(['client-closed', 'client-closed']);
  });

  it('refuses requests over the in-flight limit at once, with a retry hint, and finishes the others', async () => {
    const { conn, events } = connection(2);
    const running = [conn.handle(chat('r1')), conn.handle(chat('r2'))];
    await conn.handle(chat('r3'));
    expect(events.find((e) => e.request_id === 'r3')).toEqual({
      type: 'error',
      request_id: 'r3',
      code: 'overloaded',
      message: 'at most 2 requests may run per connection',
      retry_after_ms: 250,
    });
    expect(conn.stats.dropped).toBe(1);
    await Promise.all(running);
    expect(
      events
        .filter((e) => e.type === 'chat.complete')
        .map((e) => e.request_id)
        .sort(),
    ).toEqual(['r1', 'r2']);
    expect(conn.stats).toMatchObject({ requests: 2, completed: 2, finish_reasons: { stop: 2 } });
  });
});
