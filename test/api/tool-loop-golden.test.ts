/**
 * Golden conversations through the gateway core's tool loop: the model double (scripted like a model that
 * picks tools from their descriptions) asks for `/v1` tools, the gateway validates and runs them with the
 * caller's key against the `/v1` app, feeds the results back, and the final answer uses them. Each asserts
 * the tool chosen, the validated arguments, the result fed back and the answer.
 */
import type { GatewayEvent } from '@promethean/schemas/llm-gateway/gateway-messages';
import { buildToolCatalog } from '@promethean/shared/openapi-tools/tool-catalog';
import { ToolClient } from '@promethean/shared/openapi-tools/tool-client';
import { Hono } from 'hono';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createV1App, v1Document } from '../../functions/api/v1-app.ts';
import { runChat } from '../../functions/llm-gateway/chat-engine.ts';
import { gatewayCore } from '../../functions/llm-gateway/gateway-core.ts';
import { PERSONAS } from '../../functions/llm-gateway/personas.ts';
import { ChatCompletionAction } from '../../schemas/llm-gateway/gateway-messages.ts';
import { messageText, type ScriptedToolCall } from '../model-double/double-answers.ts';
import { type ModelDouble, startModelDouble } from '../model-double/model-double.ts';
import type { ChatCompletionRequest } from '../model-double/request-shapes.ts';
import { MemoryV1Backend, seededMessage } from './memory-v1-backend.ts';
import { memoryWebPages } from './memory-web-pages.ts';

const backend = new MemoryV1Backend();
const v1 = createV1App(() => backend);
const root = new Hono().route('/v1', v1);
const catalog = buildToolCatalog(v1Document(v1));
let double: ModelDouble;
let key = '';
let pageIds: string[] = [];

/** What the scripted model asks for, by the question; a tool result in the conversation ends the turn. */
const PLAN: Array<[RegExp, ScriptedToolCall[]]> = [
  [/who said .*hypotenuse/i, [{ name: 'search_messages', arguments: { q: 'hypotenuse squared', limit: 3 } }]],
  [/message 2\b/i, [{ name: 'get_message', arguments: { message_id: '2' } }]],
  [/backfill job (\S+)/i, [{ name: 'get_backfill_job', arguments: { job_id: 'history-1' } }]],
  [/how many messages/i, [{ name: 'get_tenant_status', arguments: {} }]],
  [/which channels/i, [{ name: 'list_channels', arguments: {} }]],
  [
    /status and channels/i,
    [
      { name: 'get_tenant_status', arguments: {} },
      { name: 'list_channels', arguments: {} },
    ],
  ],
  [/web pages? .*duck/i, [{ name: 'search_web', arguments: { q: 'ducks on a pond', tags: 'ducks', k: 2 } }]],
  [/bad arguments/i, [{ name: 'search_messages', arguments: { limit: 'lots' } }]],
];

function scriptedModel(req: ChatCompletionRequest) {
  const last = req.messages.at(-1);
  if (last?.role === 'tool') {
    const results = req.messages.filter((m) => m.role === 'tool').map((m) => messageText(m));
    return `Answer from tools: ${results.join(' | ')}`;
  }
  const question = last ? messageText(last) : '';
  const page = question.match(/links to (p[0-9a-f]{32})/i)?.[1];
  if (page) return { tool_calls: [{ name: 'get_web_page', arguments: { page_id: page } }] };
  const plan = PLAN.find(([re]) => re.test(question));
  return plan ? { tool_calls: plan[1] } : 'No tool needed.';
}

beforeAll(async () => {
  key = await backend.addKey({ provider: 'echo', tenant: 'demo' });
  backend.addMessages({ provider: 'echo', tenant: 'demo' }, [
    seededMessage('1', 'geometry', 'the hypotenuse squared equals the sum of the squares', 'Pythia'),
    seededMessage('2', 'general', 'lunch is at noon', 'Ada'),
  ]);
  backend.addJob(
    { provider: 'echo', tenant: 'demo' },
    {
      job_id: 'history-1',
      channel_id: 'general',
      state: 'done',
      pages: 2,
      fetched: 150,
      upserted: 150,
      started_at: '2026-11-20T09:00:00.000Z',
      finished_at: '2026-11-20T09:05:00.000Z',
    },
  );
  const web = await memoryWebPages({ provider: 'echo', tenant: 'demo' }, [
    {
      url: 'https://parks.test/pond-walk',
      title: 'Pond walk',
      summary: 'A walk around the duck pond in the park.',
      tags: ['#ducks', '#walks'],
    },
    {
      url: 'https://birds.test/mallards',
      title: 'Mallards',
      summary: 'Mallard ducks paddle on ponds and nest in reeds.',
      tags: ['#ducks', '#ponds'],
    },
    {
      url: 'https://birds.test/herons',
      title: 'Herons',
      summary: 'Herons fish in shallow lakes and wetlands.',
      tags: ['#herons'],
    },
  ]);
  backend.setWeb({ provider: 'echo', tenant: 'demo' }, web.ports);
  pageIds = web.ids;
  double = await startModelDouble({ chatReply: scriptedModel });
});
afterAll(async () => {
  await double.stop();
});

async function converse(question: string, extra: Partial<ChatCompletionAction> = {}) {
  const events: GatewayEvent[] = [];
  const action = ChatCompletionAction.parse({
    type: 'chat.completion',
    request_id: `r-${question.length}`,
    messages: [{ role: 'user', content: question }],
    use_platform_tools: true,
    ...extra,
  });
  const toolStats: Array<[string, boolean]> = [];
  double.requests.length = 0;
  await runChat(
    {
      openai: new OpenAI({ apiKey: 'sk-double', baseURL: double.baseUrl, maxRetries: 0 }),
      defaultModel: 'double-llm',
      platformTools: {
        tools: catalog.tools,
        client: new ToolClient(catalog, {
          baseUrl: 'http://edge.test/v1',
          apiKey: key,
          fetch: async (r) => await root.fetch(r),
        }),
      },
      onToolCall: (name, ok) => toolStats.push([name, ok]),
    },
    action,
    (e) => events.push(e),
    new AbortController().signal,
  );
  const complete = events.find((e) => e.type === 'chat.complete');
  if (complete?.type !== 'chat.complete') throw new Error('no chat.complete');
  const calls = events.filter((e) => e.type === 'tool.call');
  const results = events.filter((e) => e.type === 'tool.result');
  // What the model was given back: the tool messages of the second upstream request.
  const fedBack = ((double.requests[1]?.body as ChatCompletionRequest | undefined)?.messages ?? [])
    .filter((m) => m.role === 'tool')
    .map((m) => messageText(m));
  return { events, complete, calls, results, fedBack, toolStats };
}

describe('golden tool conversations', () => {
  it('searches messages to say who said something', async () => {
    const c = await converse('Who said something about the hypotenuse?');
    expect(c.calls).toEqual([
      expect.objectContaining({ name: 'search_messages', arguments: '{"q":"hypotenuse squared","limit":3}' }),
    ]);
    expect(backend.calls.filter((x) => x.op === 'searchMessages').at(-1)).toEqual({
      op: 'searchMessages',
      tenant: 'echo/demo',
      arg: 'hypotenuse squared',
    });
    expect(c.results[0]).toMatchObject({ ok: true, name: 'search_messages' });
    expect(c.fedBack[0]).toContain('"author_name":"Pythia"');
    expect(c.complete.output).toContain('Pythia');
    expect(c.complete.finish_reason).toBe('stop');
    expect(c.toolStats).toEqual([['search_messages', true]]);
  });

  it('searches the crawled web pages, by tag, to answer about a linked site', async () => {
    const c = await converse('Which web pages talk about ducks?');
    expect(c.calls.map((e) => e.type === 'tool.call' && [e.name, e.arguments])).toEqual([
      ['search_web', '{"q":"ducks on a pond","tags":"ducks","k":2}'],
    ]);
    expect(backend.calls.filter((x) => x.op === 'searchWeb').at(-1)).toEqual({
      op: 'searchWeb',
      tenant: 'echo/demo',
      arg: 'ducks on a pond',
    });
    expect(c.results[0]).toMatchObject({ ok: true, name: 'search_web' });
    // Only the two #ducks pages come back, never the herons page.
    const fed = JSON.parse(c.fedBack[0] ?? '{}') as { results: Array<{ url: string }> };
    expect(fed.results.map((r) => r.url).sort()).toEqual([
      'https://birds.test/mallards',
      'https://parks.test/pond-walk',
    ]);
    expect(c.complete.output).toContain('Mallards');
    expect(c.complete.output).toContain('Pond walk');
    expect(c.complete.output).not.toContain('Herons');
    expect(c.toolStats).toEqual([['search_web', true]]);
  });

  it('reads a crawled page with the links to and from it', async () => {
    const c = await converse(`What links to ${pageIds[1]}?`);
    expect(c.calls.map((e) => e.type === 'tool.call' && [e.name, e.arguments])).toEqual([
      ['get_web_page', JSON.stringify({ page_id: pageIds[1] })],
    ]);
    const fed = JSON.parse(c.fedBack[0] ?? '{}') as {
      page: { title: string };
      in_edges: Array<{ url: string }>;
      out_edges: Array<{ url: string }>;
    };
    expect(fed.page.title).toBe('Mallards');
    expect(fed.in_edges.map((e) => e.url)).toEqual(['https://parks.test/pond-walk']);
    expect(fed.out_edges.map((e) => e.url)).toEqual(['https://birds.test/herons']);
    expect(c.complete.output).toContain('parks.test/pond-walk');
  });

  it('gets a message by id', async () => {
    const c = await converse('What does message 2 say?');
    expect(c.calls.map((e) => e.type === 'tool.call' && [e.name, e.arguments])).toEqual([
      ['get_message', '{"message_id":"2"}'],
    ]);
    expect(c.fedBack[0]).toContain('lunch is at noon');
    expect(c.complete.output).toContain('lunch is at noon');
  });

  it('reads a backfill job status', async () => {
    const c = await converse('Is backfill job history-1 finished?');
    expect(c.calls.map((e) => e.type === 'tool.call' && e.name)).toEqual(['get_backfill_job']);
    expect(c.fedBack[0]).toContain('"state":"done"');
    expect(c.complete.output).toContain('"fetched":150');
  });

  it('summarizes the tenant status', async () => {
    const c = await converse('How many messages are indexed?');
    expect(c.calls.map((e) => e.type === 'tool.call' && [e.name, e.arguments])).toEqual([
      ['get_tenant_status', '{}'],
    ]);
    expect(c.fedBack[0]).toContain('"messages":2');
    expect(c.complete.output).toContain('"messages":2');
  });

  it('lists channels', async () => {
    const c = await converse('Which channels are active?');
    expect(c.fedBack[0]).toContain('"channel_id":"geometry"');
    expect(c.complete.output).toContain('general');
  });

  it('runs parallel tool calls and feeds both results back in order', async () => {
    const c = await converse('Give me the status and channels');
    expect(c.calls.map((e) => e.type === 'tool.call' && e.name)).toEqual([
      'get_tenant_status',
      'list_channels',
    ]);
    expect(c.results.map((e) => e.type === 'tool.result' && e.ok)).toEqual([true, true]);
    expect(c.fedBack).toHaveLength(2);
    expect(c.fedBack[0]).toContain('"documents_backend"');
    expect(c.fedBack[1]).toContain('"channels"');
  });

  it('gives the model a short error for invalid arguments, without calling /v1', async () => {
    const before = backend.calls.length;
    const c = await converse('Search with bad arguments');
    expect(c.results[0]).toMatchObject({ ok: false, name: 'search_messages' });
    expect(c.fedBack[0]).toMatch(/^\{"error":"invalid arguments: /);
    expect(backend.calls.length).toBe(before);
    expect(c.toolStats).toEqual([['search_messages', false]]);
  });

  it('stops after the round limit and says so', async () => {
    double.setChatReply(() => ({ tool_calls: [{ name: 'get_tenant_status', arguments: {} }] }));
    try {
      const c = await converse('loop forever', { max_tool_rounds: 2 });
      expect(c.calls).toHaveLength(2);
      expect(c.complete.finish_reason).toBe('tool_rounds_exhausted');
      // The last upstream request offered no platform tools.
      expect((double.requests.at(-1)?.body as ChatCompletionRequest | undefined)?.tools).toBeUndefined();
    } finally {
      double.setChatReply(scriptedModel);
    }
  });

  it('applies the Pythagoras persona from configuration: its prompt, temperature 0 and the tools', async () => {
    const events: GatewayEvent[] = [];
    const core = gatewayCore({
      openai: new OpenAI({ apiKey: 'sk-double', baseURL: double.baseUrl, maxRetries: 0 }),
      defaultModel: 'double-llm',
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
    double.requests.length = 0;
    const action = ChatCompletionAction.parse({
      type: 'chat.completion',
      request_id: 'persona-1',
      persona: 'pythagoras',
      messages: [{ role: 'user', content: 'How many messages are indexed?' }],
    });
    await core.chat(action, (e) => events.push(e), new AbortController().signal);
    const first = double.requests[0]?.body as ChatCompletionRequest;
    expect(first.messages[0]).toEqual({ role: 'system', content: PERSONAS.pythagoras?.system });
    expect(first.temperature).toBe(0);
    expect(first.tools?.map((t) => t.function.name)).toContain('get_tenant_status');
    expect(events.filter((e) => e.type === 'tool.call').map((e) => e.type === 'tool.call' && e.name)).toEqual(
      ['get_tenant_status'],
    );
    await expect(
      core.chat({ ...action, persona: 'nobody' }, () => undefined, new AbortController().signal),
    ).rejects.toMatchObject({ code: 'invalid_request' });
  });

  it('refuses non-text input by name', async () => {
    await expect(
      converse('x', {
        messages: [
          {
            role: 'user',
            content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,AA==' } }],
          },
        ],
      }),
    ).rejects.toMatchObject({ code: 'unsupported_content' });
  });
});
