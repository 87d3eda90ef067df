/**
 * The real `openai` client against the HTTP bridge served on 127.0.0.1 (the `/v1` app over the model
 * double): sync and streamed answers, tools and parallel tool calls, embeddings, and the 429 with the same
 * retry hint the WebSocket gives — the same calls the client makes against the double directly.
 */
import { Hono } from 'hono';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createV1App } from '../../functions/api/v1-app.ts';
import { BridgeLimiter } from '../../functions/llm-gateway/bridge-limiter.ts';
import { gatewayCore } from '../../functions/llm-gateway/gateway-core.ts';
import { type ModelDouble, startModelDouble } from '../model-double/model-double.ts';
import { MemoryV1Backend } from './memory-v1-backend.ts';
import { type NodeHttpServer, serveFetch } from './node-http-server.ts';

let double: ModelDouble;
let bridge: NodeHttpServer;
let viaBridge: OpenAI;
let direct: OpenAI;
let secondKey = '';
let bridgeUrl = '';

const tools = [
  {
    type: 'function' as const,
    function: {
      name: 'lookup',
      description: 'Look up.',
      parameters: { type: 'object', properties: { word: { type: 'string' } } },
    },
  },
  {
    type: 'function' as const,
    function: {
      name: 'add',
      description: 'Add.',
      parameters: { type: 'object', properties: { a: { type: 'number' } } },
    },
  },
];

beforeAll(async () => {
  double = await startModelDouble();
  const backend = new MemoryV1Backend();
  const key = await backend.addKey({ provider: 'echo', tenant: 'demo' });
  secondKey = await backend.addKey({ provider: 'echo', tenant: 'demo', label: 'rate' });
  const core = gatewayCore({
    openai: new OpenAI({ apiKey: 'sk-double', baseURL: double.baseUrl, maxRetries: 0 }),
    defaultModel: 'm',
    defaultEmbeddingModel: 'text-embedding-3-small',
  });
  const app = new Hono().route(
    '/v1',
    createV1App(() => backend, {
      gateway: {
        coreOf: () => core,
        limiter: new BridgeLimiter({
          ratePerSecond: 1,
          burst: 20,
          maxInFlightPerKey: 8,
          overloadRetryMs: 250,
        }),
      },
    }),
  );
  bridge = await serveFetch((r) => app.fetch(r));
  bridgeUrl = `${bridge.url}/v1`;
  viaBridge = new OpenAI({ apiKey: key, baseURL: bridgeUrl, maxRetries: 0 });
  direct = new OpenAI({ apiKey: 'sk-double', baseURL: double.baseUrl, maxRetries: 0 });
});
afterAll(async () => {
  await bridge.stop();
  await double.stop();
});

const ask = { model: 'm', messages: [{ role: 'user' as const, content: 'what is the hypotenuse?' }] };

async function streamed(client: OpenAI) {
  const stream = await client.chat.completions.create({
    ...ask,
    stream: true,
    stream_options: { include_usage: true },
  });
  const deltas: string[] = [];
  let finish: string | null | undefined;
  let usage: unknown;
  for await (const chunk of stream) {
    if (chunk.choices[0]?.delta.content) deltas.push(chunk.choices[0].delta.content);
    if (chunk.choices[0]?.finish_reason) finish = chunk.choices[0].finish_reason;
    if (chunk.usage) usage = chunk.usage;
  }
  return { deltas, finish, usage };
}

describe('the openai client through the HTTP bridge', () => {
  it('answers sync and streamed exactly as the upstream does', async () => {
    double.setChatReply(() => 'the side opposite the right angle');
    const [a, b] = [await direct.chat.completions.create(ask), await viaBridge.chat.completions.create(ask)];
    expect(b.choices[0]?.message.content).toBe(a.choices[0]?.message.content);
    expect(b.usage).toEqual(a.usage);
    expect(b.choices[0]?.finish_reason).toBe('stop');
    expect(await streamed(viaBridge)).toEqual(await streamed(direct));
  });

  it('passes tools through and returns parallel tool calls, sync and streamed', async () => {
    double.setChatReply(() => ({
      tool_calls: [
        { name: 'lookup', arguments: { word: 'leg' } },
        { name: 'add', arguments: { a: 3 } },
      ],
    }));
    const sync = await viaBridge.chat.completions.create({
      ...ask,
      tools,
      tool_choice: 'auto',
      parallel_tool_calls: true,
    });
    expect(sync.choices[0]?.finish_reason).toBe('tool_calls');
    const names = (m: OpenAI.ChatCompletionMessage | undefined) =>
      m?.tool_calls?.map((c) => (c.type === 'function' ? [c.function.name, c.function.arguments] : []));
    expect(names(sync.choices[0]?.message)).toEqual([
      ['lookup', '{"word":"leg"}'],
      ['add', '{"a":3}'],
    ]);
    const final = await viaBridge.chat.completions.stream({ ...ask, tools }).finalChatCompletion();
    expect(names(final.choices[0]?.message)).toEqual(names(sync.choices[0]?.message));
    // The upstream got the caller's tools and tool_choice as sent.
    const last = double.requests.at(-2)?.body as {
      tools?: Array<{ function: { name: string } }>;
      tool_choice?: string;
    };
    expect(last.tools?.map((t) => t.function.name)).toEqual(['lookup', 'add']);
    expect(last.tool_choice).toBe('auto');
  });

  it('embeds within 1e-6 of the upstream', async () => {
    const input = ['right triangle', 'hypotenuse'];
    const [a, b] = [
      await direct.embeddings.create({ model: 'text-embedding-3-small', input }),
      await viaBridge.embeddings.create({ model: 'text-embedding-3-small', input }),
    ];
    expect(b.data).toHaveLength(2);
    let worst = 0;
    for (const [i, d] of b.data.entries())
      for (const [j, x] of d.embedding.entries())
        worst = Math.max(worst, Math.abs(x - (a.data[i]?.embedding[j] ?? Number.NaN)));
    expect(worst).toBeLessThanOrEqual(1e-6);
    expect(b.data[0]?.embedding.length).toBe(1536);
  });

  it('sheds over the per-key rate with 429, Retry-After and the retry hint in ms', async () => {
    double.setChatReply(() => 'ok');
    let refused: InstanceType<typeof OpenAI.APIError> | undefined;
    // A key of its own: its bucket holds 20 requests and refills one per second.
    const client = new OpenAI({ apiKey: secondKey, baseURL: bridgeUrl, maxRetries: 0 });
    for (let i = 0; i < 30 && !refused; i++) {
      try {
        await client.chat.completions.create(ask);
      } catch (e) {
        if (e instanceof OpenAI.APIError) refused = e;
        else throw e;
      }
    }
    expect(refused?.status).toBe(429);
    expect(refused?.code).toBe('rate_limited');
    expect(Number(refused?.headers?.get('retry-after-ms'))).toBeGreaterThan(0);
    expect(refused?.headers?.get('retry-after')).toBe('1');
  });
});
