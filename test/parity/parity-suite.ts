/**
 * The parity suite: the same inputs through the gateway's WebSocket connection and the HTTP bridge against
 * one model double, normalized and compared. `runParity()` answers `{cases, identical, differing}`; the
 * vitest short form (gateway-parity.test.ts) and `npm run test:parity -- --json` both call it.
 */
import type { GatewayEvent } from '@promethean/schemas/llm-gateway/gateway-messages';
import { buildToolCatalog } from '@promethean/shared/openapi-tools/tool-catalog';
import { ToolClient } from '@promethean/shared/openapi-tools/tool-client';
import { Hono } from 'hono';
import OpenAI from 'openai';
import { createV1App, v1Document } from '../../functions/api/v1-app.ts';
import { BridgeLimiter } from '../../functions/llm-gateway/bridge-limiter.ts';
import { GatewayConnection } from '../../functions/llm-gateway/gateway-connection.ts';
import { type GatewayCore, gatewayCore } from '../../functions/llm-gateway/gateway-core.ts';
import { MemoryV1Backend, seededMessage } from '../api/memory-v1-backend.ts';
import type { ChatReplyScript } from '../model-double/double-answers.ts';
import { type ModelDouble, startModelDouble } from '../model-double/model-double.ts';
import { differences, type Normalized, type ParityInput, viaHttp, viaWebSocket } from './parity-harness.ts';

export interface ParityCase {
  name: string;
  input: ParityInput;
  reply?: ChatReplyScript;
  /** A fault the double applies to each transport's request (set before each run). */
  fault?: Parameters<ModelDouble['faults']['add']>[0];
  /** Both transports must answer this (beyond being equal to each other). */
  expect?: (n: Normalized) => boolean;
  /** Admission cases run over limits this small, both sides alike. */
  tightLimits?: boolean;
  /** Runs on a core whose upstream times out after TIMEOUT_CASE_MS. */
  impatient?: boolean;
}

/** The upstream timeout of the timeout case's core. */
const TIMEOUT_CASE_MS = 150;

const tools = [
  {
    type: 'function',
    function: {
      name: 'lookup_word',
      description: 'Look a word up.',
      parameters: { type: 'object', properties: { word: { type: 'string' } }, required: ['word'] },
    },
  },
  {
    type: 'function',
    function: {
      name: 'add',
      description: 'Add two numbers.',
      parameters: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } } },
    },
  },
];
const user = (content: unknown) => [{ role: 'user', content }];
const big = 'pythagoras '.repeat(150_000); // 1.65 MB

export const PARITY_CASES: ParityCase[] = [
  {
    name: 'sync text, usage and finish_reason',
    input: { path: '/chat/completions', body: { model: 'm', messages: user('what is a right triangle?') } },
    expect: (n) => n.finish_reason === 'stop' && (n.text ?? '').length > 0,
  },
  {
    name: 'streamed chunk boundaries and terminal event',
    input: {
      path: '/chat/completions',
      body: {
        model: 'm',
        stream: true,
        stream_options: { include_usage: true },
        messages: user('a b c d e'),
      },
    },
    expect: (n) => (n.deltas?.length ?? 0) > 3 && n.finish_reason === 'stop',
  },
  {
    name: 'embeddings within 1e-6',
    input: {
      path: '/embeddings',
      body: { model: 'text-embedding-3-small', input: ['right triangle', 'hypotenuse'] },
    },
    expect: (n) => n.embeddings?.length === 2 && n.embeddings[0]?.length === 1536,
  },
  {
    name: 'one tool: selection and arguments',
    reply: () => ({ tool_calls: [{ name: 'lookup_word', arguments: { word: 'hypotenuse' } }] }),
    input: { path: '/chat/completions', body: { model: 'm', tools, messages: user('define hypotenuse') } },
    expect: (n) => n.finish_reason === 'tool_calls' && n.tool_calls?.length === 1,
  },
  {
    name: 'parallel tools, streamed',
    reply: () => ({
      tool_calls: [
        { name: 'lookup_word', arguments: { word: 'leg' } },
        { name: 'add', arguments: { a: 9, b: 16 } },
      ],
    }),
    input: {
      path: '/chat/completions',
      body: { model: 'm', stream: true, tools, parallel_tool_calls: true, messages: user('two things') },
    },
    expect: (n) => n.tool_calls?.length === 2,
  },
  {
    name: 'invalid schema',
    input: { path: '/chat/completions', body: { model: 'm', messages: [] } },
    expect: (n) => n.error?.code === 'invalid_request',
  },
  {
    name: 'unknown model',
    fault: { kind: 'status', status: 404, times: 1 },
    input: { path: '/chat/completions', body: { model: 'no-such-model', messages: user('hi') } },
    expect: (n) => n.error?.code === 'unknown_model',
  },
  {
    name: 'upstream 5xx',
    fault: { kind: 'status', status: 503, times: 1 },
    input: { path: '/chat/completions', body: { model: 'm', messages: user('hi') } },
    expect: (n) => n.error?.code === 'upstream_error',
  },
  {
    name: 'upstream rate limit with its retry hint',
    fault: { kind: 'status', status: 429, retry_after_ms: 1500, times: 1 },
    input: { path: '/chat/completions', body: { model: 'm', messages: user('hi') } },
    expect: (n) => n.error?.code === 'rate_limited' && n.error.retry_after_ms === 1500,
  },
  {
    name: 'non-text input refused',
    input: {
      path: '/chat/completions',
      body: {
        model: 'm',
        messages: user([{ type: 'image_url', image_url: { url: 'data:image/png;base64,AA==' } }]),
      },
    },
    expect: (n) => n.error?.code === 'unsupported_content',
  },
  {
    name: '1.6 MB input',
    reply: (req) => `got ${JSON.stringify(req.messages).length} characters`,
    input: { path: '/chat/completions', body: { model: 'm', messages: user(big) } },
    expect: (n) => (n.text ?? '').startsWith('got '),
  },
  {
    name: 'cancellation mid-stream',
    reply: () => 'w '.repeat(400),
    input: {
      path: '/chat/completions',
      body: { model: 'm', stream: true, messages: user('long') },
      abortAfterDeltas: 3,
    },
    expect: (n) => n.deltas?.length === 3 && n.error?.code === 'cancelled',
  },
  {
    name: 'overload: same answer and retry hint',
    tightLimits: true,
    input: { path: '/chat/completions', body: { model: 'm', messages: user('hi') } },
    expect: (n) => n.error?.code === 'overloaded' && n.error.retry_after_ms === 250,
  },
  {
    name: 'upstream timeout',
    impatient: true,
    fault: { kind: 'slow', delay_ms: 2_000, times: 1 },
    input: { path: '/chat/completions', body: { model: 'm', messages: user('hi') } },
    expect: (n) => n.error?.code === 'timeout',
  },
];

export interface ParityReport {
  cases: number;
  identical: number;
  differing: Array<{ name: string; paths: string[]; ws: Normalized; http: Normalized }>;
  failed_expectations: string[];
}

interface Rig {
  double: ModelDouble;
  app: Hono;
  key: string;
  connection: GatewayConnection;
  tightConnection: GatewayConnection;
  events: GatewayEvent[];
  tightApp: Hono;
  impatientApp: Hono;
  impatientConnection: GatewayConnection;
}

async function rig(): Promise<Rig> {
  // Paced a little, so a cancellation lands mid-stream on both transports rather than after the end.
  const double = await startModelDouble({ chunkDelayMs: 2 });
  const backend = new MemoryV1Backend();
  const key = await backend.addKey({ provider: 'echo', tenant: 'demo' });
  backend.addMessages({ provider: 'echo', tenant: 'demo' }, [seededMessage('1', 'general', 'hello')]);
  const makeCore = (timeoutMs?: number): GatewayCore => {
    const v1 = createV1App(() => backend);
    const catalog = buildToolCatalog(v1Document(v1));
    const root = new Hono().route('/v1', v1);
    return gatewayCore({
      openai: new OpenAI({
        apiKey: 'sk-double',
        baseURL: double.baseUrl,
        maxRetries: 0,
        ...(timeoutMs !== undefined && { timeout: timeoutMs }),
      }),
      defaultModel: 'm',
      defaultEmbeddingModel: 'text-embedding-3-small',
      platformTools: {
        tools: catalog.tools,
        client: new ToolClient(catalog, {
          baseUrl: 'http://edge.test/v1',
          apiKey: key,
          fetch: async (r) => await root.fetch(r),
        }),
      },
    });
  };
  const core = makeCore();
  // A core whose upstream gives up after 150 ms, for the timeout case.
  const impatient = makeCore(TIMEOUT_CASE_MS);
  const mount = (limiter: BridgeLimiter, using: GatewayCore = core) =>
    new Hono().route(
      '/v1',
      createV1App(() => backend, { gateway: { coreOf: () => using, limiter } }),
    );
  const events: GatewayEvent[] = [];
  return {
    double,
    key,
    events,
    app: mount(new BridgeLimiter()),
    connection: new GatewayConnection(core, (e) => events.push(e)),
    // Zero in flight allowed: every request is refused at admission, on both sides, with the same hint.
    tightApp: mount(
      new BridgeLimiter({ ratePerSecond: 1000, burst: 1000, maxInFlightPerKey: 0, overloadRetryMs: 250 }),
    ),
    tightConnection: new GatewayConnection(core, (e) => events.push(e), {
      maxInFlight: 0,
      maxMessageBytes: 4 * 1024 * 1024,
      overloadRetryMs: 250,
    }),
    impatientApp: mount(new BridgeLimiter(), impatient),
    impatientConnection: new GatewayConnection(impatient, (e) => events.push(e)),
  };
}

/** Requests sent together per transport in the ordering case: the per-connection and per-key in-flight limit. */
const CONCURRENT = 8;

/**
 * Ordering under concurrency: CONCURRENT streamed requests at once on each transport; each answer must be
 * its own request's (no crossed streams), its chunks in order, and both transports alike.
 */
async function orderingUnderConcurrency(r: Rig, report: ParityReport): Promise<void> {
  report.cases += 1;
  r.double.faults.clear();
  r.double.setChatReply((req) => {
    const last = req.messages.at(-1);
    return `answer to ${typeof last?.content === 'string' ? last.content : '?'} in five words`;
  });
  const inputs = Array.from(
    { length: CONCURRENT },
    (_, i): ParityInput => ({
      path: '/chat/completions',
      body: { model: 'm', stream: true, messages: [{ role: 'user', content: `question-${i}` }] },
    }),
  );
  const ws = await Promise.all(
    inputs.map((input, i) => viaWebSocket(r.connection, r.events, input, `concurrent-${i}`)),
  );
  const http = await Promise.all(inputs.map((input) => viaHttp(r.app, r.key, input)));
  const paths = differences(ws, http);
  if (paths.length === 0) report.identical += 1;
  else
    report.differing.push({
      name: 'ordering under concurrency',
      paths,
      ws: { deltas: [] },
      http: { deltas: [] },
    });
  const own = (n: Normalized, i: number) =>
    n.text === `answer to question-${i} in five words` && (n.deltas ?? []).join('') === n.text;
  if (!(ws.every(own) && http.every(own))) report.failed_expectations.push('ordering under concurrency');
}

/** Runs every case (or those named) and reports. */
export async function runParity(only?: (c: ParityCase) => boolean): Promise<ParityReport> {
  const r = await rig();
  const report: ParityReport = { cases: 0, identical: 0, differing: [], failed_expectations: [] };
  try {
    for (const [i, c] of PARITY_CASES.filter(only ?? (() => true)).entries()) {
      report.cases += 1;
      r.double.setChatReply(
        c.reply ?? ((req) => `echo: ${JSON.stringify(req.messages.at(-1)).slice(0, 60)}`),
      );
      r.double.faults.clear();
      if (c.fault) r.double.faults.add(c.fault);
      const ws = await viaWebSocket(
        c.tightLimits ? r.tightConnection : c.impatient ? r.impatientConnection : r.connection,
        r.events,
        c.input,
        `parity-${i}`,
      );
      r.double.faults.clear();
      if (c.fault) r.double.faults.add(c.fault);
      const http = await viaHttp(
        c.tightLimits ? r.tightApp : c.impatient ? r.impatientApp : r.app,
        r.key,
        c.input,
      );
      const paths = differences(ws, http);
      if (paths.length === 0) report.identical += 1;
      else report.differing.push({ name: c.name, paths, ws, http });
      if (c.expect && !(c.expect(ws) && c.expect(http))) report.failed_expectations.push(c.name);
    }
    if (!only) await orderingUnderConcurrency(r, report);
  } finally {
    await r.double.stop();
  }
  return report;
}
