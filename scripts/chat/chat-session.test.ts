/**
 * The terminal chat session over a real WebSocket (a Node `ws` server running the gateway connection over the
 * model double and the `/v1` app): tokens printed as they stream, each tool call and result shown, history kept.
 */
import type { AddressInfo } from 'node:net';
import { buildToolCatalog } from '@promethean/shared/openapi-tools/tool-catalog';
import { ToolClient } from '@promethean/shared/openapi-tools/tool-client';
import { Hono } from 'hono';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { createV1App, v1Document } from '../../functions/api/v1-app.ts';
import { GatewayConnection } from '../../functions/llm-gateway/gateway-connection.ts';
import { gatewayCore } from '../../functions/llm-gateway/gateway-core.ts';
import { MemoryV1Backend, seededMessage } from '../../test/api/memory-v1-backend.ts';
import { type ModelDouble, startModelDouble } from '../../test/model-double/model-double.ts';
import { ChatSession } from './chat-session.ts';

let double: ModelDouble;
let wss: WebSocketServer;
let client: WebSocket;

beforeAll(async () => {
  const backend = new MemoryV1Backend();
  const key = await backend.addKey({ provider: 'echo', tenant: 'demo' });
  backend.addMessages({ provider: 'echo', tenant: 'demo' }, [
    seededMessage('1', 'general', 'a squared plus b squared'),
  ]);
  const v1 = createV1App(() => backend);
  const root = new Hono().route('/v1', v1);
  const catalog = buildToolCatalog(v1Document(v1));
  double = await startModelDouble({
    chatReply: (req) =>
      req.messages.at(-1)?.role === 'tool'
        ? 'There is 1 message.'
        : { content: 'Let me check. ', tool_calls: [{ name: 'get_tenant_status', arguments: {} }] },
  });
  const core = gatewayCore({
    openai: new OpenAI({ apiKey: 'sk-double', baseURL: double.baseUrl, maxRetries: 0 }),
    defaultModel: 'm',
    defaultEmbeddingModel: 'e',
    platformTools: {
      tools: catalog.tools,
      client: new ToolClient(catalog, {
        baseUrl: 'http://edge.test/v1',
        apiKey: key,
        fetch: async (r) => await root.fetch(r),
      }),
    },
  });
  wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  wss.on('connection', (socket) => {
    const connection = new GatewayConnection(core, (e) => socket.send(JSON.stringify(e)));
    socket.on('message', (data) => void connection.handle(String(data)));
    socket.on('close', () => connection.close());
  });
  await new Promise((r) => wss.once('listening', r));
  client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
  await new Promise((r) => client.once('open', r));
});
afterAll(async () => {
  client.close();
  await new Promise((r) => wss.close(r));
  await double.stop();
});

describe('npm run chat session', () => {
  it('streams tokens and shows each tool call and result as it happens', async () => {
    let out = '';
    const session = new ChatSession(client, { persona: 'pythagoras', write: (t) => (out += t) });
    const end = await session.ask('How many messages are there?');
    expect(end.type).toBe('chat.complete');
    expect(out).toContain('Let me check. ');
    expect(out).toContain('→ get_tenant_status({})');
    expect(out).toMatch(/← get_tenant_status: \{.*"messages":1/);
    expect(out).toContain('There is 1 message.');
    expect(out).toMatch(/\[stop, \d+ tokens\]/);
    expect(session.history.map((m) => m.role)).toEqual(['user', 'assistant']);
    // The persona reached the model as its system prompt.
    const first = double.requests.find(
      (r) => (r.body as { messages: Array<{ role: string }> }).messages[0]?.role === 'system',
    );
    expect(first).toBeDefined();
  });
});
