/**
 * The LLM gateway inside workerd: the WebSocket upgrade authenticated by a `/v1` key and handed to the
 * tenant's LlmGateway Durable Object (hibernation API), runtime-validated actions, `tool.invoke` running a
 * `/v1` tool in-process with the caller's scope, and the offline answer from both the WebSocket and the
 * HTTP bridge. The model-backed paths run against the model double in the Node suites (test/api, test/parity).
 */
import { env } from 'cloudflare:test';
import type { GatewayEvent } from '@promethean/schemas/llm-gateway/gateway-messages';
import { describe, expect, it } from 'vitest';
import { app } from '../../../functions/src/http-app.ts';

const ADMIN = 'llm-gateway-test-admin-token-0123456789abcdef0123456789';
// No MODEL_API_KEY: the gateway must say that no model server is configured.
const testEnv = { ...env, ADMIN_TOKEN: ADMIN, MODEL_API_KEY: '' } as FunctionsEnv;

async function createKey(body: Record<string, unknown>): Promise<string> {
  const res = await app.request(
    '/admin/api-keys',
    {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    },
    testEnv,
  );
  expect(res.status).toBe(201);
  return ((await res.json()) as { key: string }).key;
}

interface Socket {
  send(value: unknown): void;
  sendRaw(value: string | ArrayBuffer): void;
  next(requestId: string | null): Promise<GatewayEvent>;
  close(): void;
}

async function connect(key: string): Promise<Socket> {
  const res = await app.request(
    '/v1/llm/ws',
    { headers: { upgrade: 'websocket', authorization: `Bearer ${key}` } },
    testEnv,
  );
  expect(res.status).toBe(101);
  const ws = res.webSocket!;
  ws.accept();
  const events: GatewayEvent[] = [];
  const waiting: Array<() => void> = [];
  ws.addEventListener('message', (m) => {
    events.push(JSON.parse(String(m.data)) as GatewayEvent);
    for (const w of waiting.splice(0)) w();
  });
  return {
    send: (value) => ws.send(JSON.stringify(value)),
    sendRaw: (value) => ws.send(value),
    next: async (requestId) => {
      for (;;) {
        const i = events.findIndex((e) => e.request_id === requestId);
        if (i >= 0) return events.splice(i, 1)[0]!;
        await new Promise<void>((resolve) => waiting.push(resolve));
      }
    },
    close: () => ws.close(1000, 'done'),
  };
}

describe('the LLM gateway WebSocket', () => {
  it('refuses an upgrade without a valid key', async () => {
    const res = await app.request('/v1/llm/ws', { headers: { upgrade: 'websocket' } }, testEnv);
    expect(res.status).toBe(401);
  });

  it('answers system.health with the tool catalog it serves', async () => {
    const ws = await connect(await createKey({ provider: 'echo', tenant: 'demo', label: 'ws health' }));
    ws.send({ type: 'system.health', request_id: 'h1' });
    const health = await ws.next('h1');
    expect(health).toMatchObject({
      type: 'system.health',
      ok: true,
      in_flight: 0,
      max_in_flight: 8,
      tools: 7,
    });
    expect(health.type === 'system.health' && health.catalog_hash).toMatch(/^[0-9a-f]{64}$/);
    ws.close();
  });

  it('runs a /v1 tool with the caller tenant and channel scope', async () => {
    const ws = await connect(
      await createKey({ provider: 'echo', tenant: 'demo', label: 'ws tools', channels: ['only-this'] }),
    );
    ws.send({ type: 'tool.invoke', request_id: 't1', name: 'get_tenant_status', arguments: {} });
    const status = await ws.next('t1');
    expect(status).toMatchObject({ type: 'tool.result', name: 'get_tenant_status', ok: true });
    expect(status.type === 'tool.result' && JSON.parse(status.content)).toMatchObject({
      provider: 'echo',
      tenant: 'demo',
      channel_scope: ['only-this'],
    });
    ws.send({
      type: 'tool.invoke',
      request_id: 't2',
      name: 'search_messages',
      arguments: '{"q":"x","channel_id":"elsewhere"}',
    });
    expect(await ws.next('t2')).toMatchObject({
      ok: false,
      content: expect.stringContaining('HTTP 403 forbidden'),
    });
    ws.send({ type: 'tool.invoke', request_id: 't3', name: 'search_messages', arguments: { limit: 'all' } });
    expect(await ws.next('t3')).toMatchObject({
      ok: false,
      content: expect.stringMatching(/^invalid arguments: /),
    });
    ws.close();
  });

  it('validates every action and names what is wrong, with the request id when it has one', async () => {
    const ws = await connect(await createKey({ provider: 'echo', tenant: 'demo', label: 'ws invalid' }));
    ws.send({ type: 'chat.completion', request_id: 'bad1', messages: [] });
    expect(await ws.next('bad1')).toMatchObject({ type: 'error', code: 'invalid_request' });
    ws.sendRaw('not json');
    expect(await ws.next(null)).toMatchObject({
      type: 'error',
      code: 'invalid_request',
      message: 'message is not JSON',
    });
    ws.sendRaw(new Uint8Array([1, 2, 3]).buffer);
    expect(await ws.next(null)).toMatchObject({ type: 'error', code: 'unsupported_content' });
    ws.close();
  });

  it('says that no model server is configured, on the WebSocket and on the HTTP bridge alike', async () => {
    const key = await createKey({ provider: 'echo', tenant: 'demo', label: 'offline' });
    const ws = await connect(key);
    ws.send({ type: 'chat.completion', request_id: 'c1', messages: [{ role: 'user', content: 'hello' }] });
    const wsError = await ws.next('c1');
    expect(wsError).toMatchObject({
      type: 'error',
      code: 'upstream_error',
      message: expect.stringContaining('MODEL_API_KEY'),
    });
    ws.close();

    const res = await app.request(
      '/v1/chat/completions',
      {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hello' }] }),
      },
      testEnv,
    );
    expect(res.status).toBe(502);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error).toMatchObject({
      code: 'upstream_error',
      message: wsError.type === 'error' ? wsError.message : '',
    });
  });
});
