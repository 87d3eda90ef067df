/**
 * The parity suite: the same inputs through the gateway's WebSocket connection and the HTTP bridge against
 * one model double, normalized and compared. `runParity()` answers `{cases, identical, differing}`; the
 * vitest short form (gateway-parity.test.ts) and `npm run test:parity -- --json` both call it.
 */
import type { GatewayEvent } from '@promethean/schemas/llm-gateway/gateway-messages';
import { Hono } from 'hono';
import { type ApiKeyRecord, hashApiKey } from '../../functions/api/api-key-format.ts';
import { createV1App } from '../../functions/api/v1-app.ts';
import { BridgeLimiter } from '../../functions/llm-gateway/bridge-limiter.ts';
import { GatewayConnection } from '../../functions/llm-gateway/gateway-connection.ts';
import type { GatewayCore } from '../../functions/llm-gateway/gateway-core.ts';
import { GatewayCoreFactory } from '../../functions/llm-gateway/gateway-core-factory.ts';
import { MemoryV1Backend, seededMessage } from '../api/memory-v1-backend.ts';
import { type ChatReplyScript, messageText } from '../model-double/double-answers.ts';
import { type ModelDouble, startModelDouble } from '../model-double/model-double.ts';
import {
  differences,
  type Normalized,
  type ParityInput,
  viaHttp,
  viaUpgrade,
  viaWebSocket,
} from './parity-harness.ts';

/** Whose key a case runs with (the WebSocket's connection is built for that key, as the gateway object does). */
export type ParityCaller = 'demo' | 'goose' | 'narrowed' | 'unknown-key' | 'no-key';

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
  /** The caller (default `demo`); an unknown or missing key is refused before either transport runs. */
  as?: ParityCaller;
}

/** A model that calls one platform tool, then answers with what the tool gave back. */
const callsTool =
  (name: string, args: Record<string, unknown>): ChatReplyScript =>
  (req) => {
    const last = req.messages.at(-1);
    if (last?.role === 'tool') return `from the tool: ${messageText(last)}`;
    return { tool_calls: [{ name, arguments: args }] };
  };

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
    name: 'tenant scoping: a platform tool sees only the caller tenant',
    as: 'goose',
    reply: callsTool('search_messages', { q: 'hello pond', limit: 5 }),
    input: {
      path: '/chat/completions',
      body: { model: 'm', use_platform_tools: true, messages: user('what was said about the pond?') },
    },
    expect: (n) =>
      (n.text ?? '').includes('goose pond hello') &&
      !(n.text ?? '').includes('demo hello') &&
      n.finish_reason === 'stop',
  },
  {
    name: 'tenant scoping: the same question as the other tenant',
    as: 'demo',
    reply: callsTool('search_messages', { q: 'hello pond', limit: 5 }),
    input: {
      path: '/chat/completions',
      body: { model: 'm', use_platform_tools: true, messages: user('what was said about the pond?') },
    },
    expect: (n) => (n.text ?? '').includes('demo hello pond') && !(n.text ?? '').includes('goose pond'),
  },
  {
    name: '403: a channel outside the key scope, fed back to the model',
    as: 'narrowed',
    reply: callsTool('search_messages', { q: 'hello', channel_id: 'random' }),
    input: {
      path: '/chat/completions',
      body: { model: 'm', stream: true, use_platform_tools: true, messages: user('search random') },
    },
    expect: (n) => /403|outside what this API key may see/.test(n.text ?? ''),
  },
  {
    name: '401: an unknown key',
    as: 'unknown-key',
    input: { path: '/chat/completions', body: { model: 'm', messages: user('hi') } },
    expect: (n) => n.error?.code === 'unauthorized',
  },
  {
    name: '401: no key',
    as: 'no-key',
    input: { path: '/chat/completions', body: { model: 'm', stream: true, messages: user('hi') } },
    expect: (n) => n.error?.code === 'unauthorized',
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
  keys: Record<ParityCaller, string>;
  connection: GatewayConnection;
  /** One connection per caller, each built for that caller's key. */
  connectionFor: (caller: ParityCaller) => Promise<GatewayConnection>;
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
  const demo = { provider: 'echo', tenant: 'demo' };
  const goose = { provider: 'echo', tenant: 'goose' };
  const keys: Record<ParityCaller, string> = {
    demo: await backend.addKey(demo),
    goose: await backend.addKey(goose),
    narrowed: await backend.addKey({ ...demo, channels: ['general'] }),
    'unknown-key': `pe_${'0'.repeat(16)}_${'A'.repeat(43)}`,
    'no-key': '',
  };
  backend.addMessages(demo, [
    seededMessage('1', 'general', 'hello'),
    seededMessage('2', 'pond', 'demo hello pond'),
  ]);
  backend.addMessages(goose, [seededMessage('9', 'pond', 'goose pond hello')]);
  const principals = new Map<string, ApiKeyRecord>();
  for (const [caller, key] of Object.entries(keys)) {
    const record = key ? await backend.lookupKey(await hashApiKey(key)) : undefined;
    if (record) principals.set(caller, record);
  }
  // Both transports build their core the Worker's way (per connection / per request) from one factory.
  const factory = new GatewayCoreFactory();
  const coreFor = (principal: ApiKeyRecord, timeoutMs = 30_000): Promise<GatewayCore> =>
    factory.coreFor({
      principal,
      settings: {
        base_url: double.baseUrl,
        api_key: 'sk-double',
        llm_model: 'm',
        embed_model: 'text-embedding-3-small',
        timeout_ms: timeoutMs,
      },
      backendOf: () => backend,
    });
  const demoPrincipal = principals.get('demo')!;
  const core = await coreFor(demoPrincipal);
  // A core whose upstream gives up after 150 ms, for the timeout case.
  const impatient = await coreFor(demoPrincipal, TIMEOUT_CASE_MS);
  const mount = (limiter: BridgeLimiter, timeoutMs?: number) =>
    new Hono().route(
      '/v1',
      createV1App(() => backend, {
        gateway: {
          coreOf: (_c, principal) => coreFor(principal, timeoutMs),
          limiter,
          // What the Worker does next is hand the socket to the gateway object; reaching here means admitted.
          connect: async () => new Response(null, { status: 204 }),
        },
      }),
    );
  const events: GatewayEvent[] = [];
  const connections = new Map<ParityCaller, GatewayConnection>();
  return {
    double,
    key: keys.demo,
    keys,
    events,
    app: mount(new BridgeLimiter()),
    connection: new GatewayConnection(core, (e) => events.push(e)),
    async connectionFor(caller) {
      let c = connections.get(caller);
      if (!c) {
        const principal = principals.get(caller);
        if (!principal) throw new Error(`no principal for ${caller}`);
        c = new GatewayConnection(await coreFor(principal), (e) => events.push(e));
        connections.set(caller, c);
      }
      return c;
    },
    // Zero in flight allowed: every request is refused at admission, on both sides, with the same hint.
    tightApp: mount(
      new BridgeLimiter({ ratePerSecond: 1000, burst: 1000, maxInFlightPerKey: 0, overloadRetryMs: 250 }),
    ),
    tightConnection: new GatewayConnection(core, (e) => events.push(e), {
      maxInFlight: 0,
      maxMessageBytes: 4 * 1024 * 1024,
      overloadRetryMs: 250,
    }),
    impatientApp: mount(new BridgeLimiter(), TIMEOUT_CASE_MS),
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
      const caller = c.as ?? 'demo';
      const refused = caller === 'unknown-key' || caller === 'no-key';
      // A refused key never reaches a connection: the WebSocket side is the upgrade the /v1 app refuses.
      const ws = refused
        ? await viaUpgrade(r.app, r.keys[caller])
        : await viaWebSocket(
            c.tightLimits
              ? r.tightConnection
              : c.impatient
                ? r.impatientConnection
                : caller === 'demo'
                  ? r.connection
                  : await r.connectionFor(caller),
            r.events,
            c.input,
            `parity-${i}`,
          );
      r.double.faults.clear();
      if (c.fault) r.double.faults.add(c.fault);
      const http = await viaHttp(
        c.tightLimits ? r.tightApp : c.impatient ? r.impatientApp : r.app,
        r.keys[caller],
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
