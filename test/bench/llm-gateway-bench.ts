/**
 * `npm run bench:llm-gateway -- [--json] [--samples N] [--streams N] [--runtime both|node|workerd]`: what the
 * gateway adds to time to first token over WebSocket and over the HTTP bridge, against a baseline of the `openai`
 * client streaming from the model double directly, all in one run. The target's figures come from workerd
 * (llm-gateway-workerd.ts: both Workers as deployed, under Miniflare); the Node figures below are reported beside
 * them (`node`), and alone with `--runtime node`. Both transports are probed the same way: a bare client of the
 * protocol (`ws`, node:http with a keep-alive agent) that parses each event and stops the clock at the first
 * content, with the same warm-up and the same interleaved samples. The HTTP bridge is also timed through the
 * `openai` client (`http_openai_client`), which adds that client's own request building and SSE parsing. Then N concurrent WebSocket streams (tokens/s, dropped), and how
 * fast a request over the limit is refused (`overloaded` / 429), never queued.
 *
 * What runs in Node: the gateway core and GatewayConnection over a Node `ws` server, and the bridge (the real `/v1`
 * Hono app) over node:http, on 127.0.0.1 — the same code the LlmGateway Durable Object runs, but not inside
 * workerd, so the figures are the gateway's own cost and leave out the Workers runtime and network; the bridge's
 * Request, Response and streams are JS there (undici and Node's web streams), native in workerd.
 */
import { Agent, createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { Hono } from 'hono';
import OpenAI from 'openai';
import { WebSocket, WebSocketServer } from 'ws';
import { type ApiKeyRecord, hashApiKey } from '../../functions/api/api-key-format.ts';
import { createV1App } from '../../functions/api/v1-app.ts';
import { BridgeLimiter } from '../../functions/llm-gateway/bridge-limiter.ts';
import { GatewayConnection } from '../../functions/llm-gateway/gateway-connection.ts';
import { GatewayCoreFactory } from '../../functions/llm-gateway/gateway-core-factory.ts';
import { MemoryV1Backend } from '../api/memory-v1-backend.ts';
import { startModelDouble } from '../model-double/model-double.ts';
import { percentile } from './latency-stats.ts';
import { measureInWorkerd, type WorkerdTtft } from './llm-gateway-workerd.ts';
import { sseFirstTokenMs } from './sse-first-token-probe.ts';

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    samples: { type: 'string', default: '500' },
    streams: { type: 'string', default: '100' },
    // `both` (default): time to first token in workerd as deployed (the target's figure) and in Node beside it.
    runtime: { type: 'string', default: 'both' },
  },
});
if (!['both', 'node', 'workerd'].includes(values.runtime))
  throw new Error(`--runtime must be both, node or workerd, not ${values.runtime}`);
const samples = Number(values.samples);
const streams = Number(values.streams);
const REPLY = 'The square on the hypotenuse equals the sum of the squares on the other two sides.';

const double = await startModelDouble({ chatReply: () => REPLY });
const backend = new MemoryV1Backend();
const key = await backend.addKey({ provider: 'echo', tenant: 'demo' });
const principal = await backend.lookupKey(await hashApiKey(key));
if (!principal) throw new Error('the bench key did not register');
// The Worker's path on both sides: the same factory builds the core per connection (WebSocket, as the
// Durable Object does) and per request (the HTTP bridge), so per-request setup is in the HTTP figure.
const factory = new GatewayCoreFactory();
const settings = {
  base_url: double.baseUrl,
  api_key: 'sk-double',
  llm_model: 'm',
  embed_model: 'text-embedding-3-small',
  timeout_ms: 30_000,
};
const coreFor = (p: ApiKeyRecord) => factory.coreFor({ principal: p, settings, backendOf: () => backend });
const core = await coreFor(principal);

// The WebSocket side: one GatewayConnection per socket, as in the Durable Object.
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
wss.on('connection', (socket) => {
  // As the Durable Object does: the core is built once per connection, and messages wait for it.
  const connection = coreFor(principal).then(
    (c) =>
      new GatewayConnection(c, (e) => socket.send(JSON.stringify(e)), {
        maxInFlight: Math.max(8, streams),
        maxMessageBytes: 4 * 1024 * 1024,
        overloadRetryMs: 250,
      }),
  );
  socket.on('message', (data) => void connection.then((c) => c.handle(String(data))));
  socket.on('close', () => void connection.then((c) => c.close()));
});
await new Promise((r) => wss.once('listening', r));
const wsUrl = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;

// The HTTP side: the real /v1 app with the bridge, served by node:http.
const v1 = createV1App(() => backend, {
  gateway: {
    coreOf: (_c, p) => coreFor(p),
    limiter: new BridgeLimiter({
      ratePerSecond: 1e6,
      burst: 1e6,
      maxInFlightPerKey: Math.max(8, streams),
      overloadRetryMs: 250,
    }),
  },
});
const root = new Hono().route('/v1', v1);
const server: Server = createServer(async (req, res) => {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const request = new Request(`http://127.0.0.1${req.url}`, {
    method: req.method ?? 'GET',
    headers: req.headers as Record<string, string>,
    ...(chunks.length > 0 && { body: Buffer.concat(chunks) }),
  });
  const response = await root.fetch(request);
  res.writeHead(response.status, Object.fromEntries(response.headers));
  if (response.body) for await (const chunk of response.body) res.write(chunk);
  res.end();
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const httpBase = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;

const messages = [{ role: 'user' as const, content: 'state the theorem' }];

/** One client per path, reused like the WebSocket is, so no sample pays for a new connection. */
const clients = new Map<string, OpenAI>();

async function ttftOpenAi(baseURL: string, apiKey: string): Promise<number> {
  let client = clients.get(baseURL);
  if (!client) {
    client = new OpenAI({ apiKey, baseURL, maxRetries: 0 });
    clients.set(baseURL, client);
  }
  const started = performance.now();
  const stream = await client.chat.completions.create({ model: 'm', messages, stream: true });
  let first = 0;
  for await (const chunk of stream)
    if (first === 0 && chunk.choices[0]?.delta.content) first = performance.now() - started;
  return first;
}

function openSocket(): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** The HTTP probe, as bare as the WebSocket one: one kept-alive connection, SSE events parsed as they come. */
const httpAgent = new Agent({ keepAlive: true, maxSockets: 1 });
const chatBody = JSON.stringify({ model: 'm', messages, stream: true });

function httpChat(): Promise<number> {
  return sseFirstTokenMs(`${httpBase}/chat/completions`, httpAgent, key, chatBody);
}

/** Sends one streamed chat on a socket; resolves with time to first delta and the deltas counted. */
function wsChat(
  ws: WebSocket,
  id: string,
): Promise<{ ttft: number; deltas: number; error?: string; ms: number }> {
  return new Promise((resolve) => {
    const started = performance.now();
    let ttft = 0;
    let deltas = 0;
    const onMessage = (data: unknown) => {
      const e = JSON.parse(String(data)) as { type: string; request_id: string; code?: string };
      if (e.request_id !== id) return;
      if (e.type === 'chat.delta') {
        deltas += 1;
        if (ttft === 0) ttft = performance.now() - started;
      }
      if (e.type === 'chat.complete' || e.type === 'error') {
        ws.off('message', onMessage);
        resolve({
          ttft,
          deltas,
          ms: performance.now() - started,
          ...(e.type === 'error' && { error: e.code }),
        });
      }
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify({ type: 'chat.completion', request_id: id, model: 'm', messages, stream: true }));
  });
}

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { p50: Number(percentile(s, 50).toFixed(2)), p95: Number(percentile(s, 95).toFixed(2)) };
};

try {
  const ws = await openSocket();
  // Warm up every path (JIT, connection pools) before measuring.
  for (let i = 0; i < 20; i++) {
    await ttftOpenAi(double.baseUrl, 'sk-double');
    await wsChat(ws, `warm-${i}`);
    await httpChat();
    await ttftOpenAi(httpBase, key);
  }
  const base: number[] = [];
  const overWs: number[] = [];
  const overHttp: number[] = [];
  const overHttpOpenAi: number[] = [];
  // Interleaved, so drift in machine load hits every path alike.
  for (let i = 0; i < samples; i++) {
    base.push(await ttftOpenAi(double.baseUrl, 'sk-double'));
    overWs.push((await wsChat(ws, `s-${i}`)).ttft);
    overHttp.push(await httpChat());
    overHttpOpenAi.push(await ttftOpenAi(httpBase, key));
  }
  const baseline = stats(base);
  const wsStats = stats(overWs);
  const httpStats = stats(overHttp);
  const httpOpenAiStats = stats(overHttpOpenAi);

  // N concurrent streams on N sockets.
  const sockets = await Promise.all(Array.from({ length: streams }, openSocket));
  const started = performance.now();
  const results = await Promise.all(sockets.map((s, i) => wsChat(s, `c-${i}`)));
  const elapsed = performance.now() - started;
  const tokens = results.reduce((n, r) => n + r.deltas, 0);
  const dropped = results.filter((r) => r.error !== undefined || r.deltas === 0).length;
  for (const s of sockets) s.close();

  // Over the limit: a connection allowing 0 in flight must refuse at once, and the bridge likewise.
  const shedWs: number[] = [];
  let shedAnswer = '';
  for (let i = 0; i < 200; i++) {
    const t0 = performance.now();
    const answers: string[] = [];
    const conn = new GatewayConnection(core, (e) => answers.push(e.type === 'error' ? e.code : e.type), {
      maxInFlight: 0,
      maxMessageBytes: 1 << 20,
      overloadRetryMs: 250,
    });
    await conn.handle(
      JSON.stringify({ type: 'chat.completion', request_id: `o-${i}`, messages, stream: true }),
    );
    shedWs.push(performance.now() - t0);
    shedAnswer = answers[0] ?? '';
  }
  const tightHttp = new Hono().route(
    '/v1',
    createV1App(() => backend, {
      gateway: {
        coreOf: (_c, p) => coreFor(p),
        limiter: new BridgeLimiter({
          ratePerSecond: 1e6,
          burst: 1e6,
          maxInFlightPerKey: 0,
          overloadRetryMs: 250,
        }),
      },
    }),
  );
  const shedHttp: number[] = [];
  let shedStatus = 0;
  for (let i = 0; i < 200; i++) {
    const t0 = performance.now();
    const res = await tightHttp.request('/v1/chat/completions', {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages }),
    });
    await res.text();
    shedHttp.push(performance.now() - t0);
    shedStatus = res.status;
  }
  ws.close();

  // Cancellation: a paced stream is cancelled after its third delta (WS `cancel`, HTTP client abort); the
  // figure is the time until the model double sees its upstream connection close.
  const paced = await startModelDouble({ chatReply: () => 'w '.repeat(400), chunkDelayMs: 5 });
  const pacedCore = await factory.coreFor({
    principal,
    settings: { ...settings, base_url: paced.baseUrl },
    backendOf: () => backend,
  });
  const pacedHttp = new Hono().route(
    '/v1',
    createV1App(() => backend, {
      gateway: {
        coreOf: (_c, p) =>
          factory.coreFor({
            principal: p,
            settings: { ...settings, base_url: paced.baseUrl },
            backendOf: () => backend,
          }),
        limiter: new BridgeLimiter({
          ratePerSecond: 1e6,
          burst: 1e6,
          maxInFlightPerKey: 8,
          overloadRetryMs: 250,
        }),
      },
    }),
  );
  const closedAfter = async (since: number): Promise<number> => {
    for (;;) {
      const closed = paced.requests.at(-1)?.stream?.closed_at;
      if (closed !== undefined) return closed - since;
      await new Promise((r) => setTimeout(r, 1));
    }
  };
  const cancelWs: number[] = [];
  const cancelHttp: number[] = [];
  for (let i = 0; i < 30; i++) {
    paced.requests.length = 0;
    let deltas = 0;
    let cancelledAt = 0;
    const conn = new GatewayConnection(pacedCore, (e) => {
      if (e.type === 'chat.delta' && ++deltas === 3) {
        cancelledAt = performance.now();
        void conn.handle(JSON.stringify({ type: 'cancel', request_id: `x-${i}` }));
      }
    });
    await conn.handle(
      JSON.stringify({ type: 'chat.completion', request_id: `x-${i}`, messages, stream: true }),
    );
    cancelWs.push(await closedAfter(cancelledAt));

    paced.requests.length = 0;
    const abort = new AbortController();
    const res = await pacedHttp.request('/v1/chat/completions', {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages, stream: true }),
      signal: abort.signal,
    });
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    while ((text.match(/"content":"w /g) ?? []).length < 3) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    const abortedAt = performance.now();
    await reader.cancel();
    cancelHttp.push(await closedAfter(abortedAt));
  }
  await paced.stop();

  const addedWs = {
    p50: Number((wsStats.p50 - baseline.p50).toFixed(2)),
    p95: Number((wsStats.p95 - baseline.p95).toFixed(2)),
  };
  const addedHttp = {
    p50: Number((httpStats.p50 - baseline.p50).toFixed(2)),
    p95: Number((httpStats.p95 - baseline.p95).toFixed(2)),
  };
  const addedHttpOpenAi = {
    p50: Number((httpOpenAiStats.p50 - baseline.p50).toFixed(2)),
    p95: Number((httpOpenAiStats.p95 - baseline.p95).toFixed(2)),
  };
  // The Node figures first, then workerd: the Node servers stay up meanwhile but idle.
  let workerd: WorkerdTtft | undefined;
  if (values.runtime !== 'node')
    workerd = await measureInWorkerd({
      samples,
      reply: REPLY,
      log: (line) => {
        if (!values.json) console.error(line);
      },
    });
  const nodeFigures = {
    ttft_ms: {
      baseline_openai_direct: baseline,
      ws: wsStats,
      http: httpStats,
      http_openai_client: httpOpenAiStats,
    },
    added_ttft_ms: { ws: addedWs, http: addedHttp, http_openai_client: addedHttpOpenAi },
    http_vs_ws_ttft_p95_ratio: Number((httpStats.p95 / wsStats.p95).toFixed(3)),
    http_vs_ws_added_ttft_p95_ratio: Number((addedHttp.p95 / addedWs.p95).toFixed(3)),
    // For comparison only: the same bridge behind the heavier openai client, which the WS probe has no match for.
    http_openai_client_vs_ws_added_ttft_p95_ratio: Number((addedHttpOpenAi.p95 / addedWs.p95).toFixed(3)),
  };
  const targetSource = workerd ?? nodeFigures;
  const result = {
    samples,
    // The target's figures: what each transport adds to time to first token at p95, from workerd when it ran
    // (both transports as deployed), else from the Node process.
    ratio_from: workerd ? 'workerd' : 'node',
    added_ws_ttft_p95_ms: targetSource.added_ttft_ms.ws.p95,
    http_vs_ws_added_ttft_p95_ratio: targetSource.http_vs_ws_added_ttft_p95_ratio,
    ...(workerd && { workerd }),
    // The gateway's own code in one Node process, the bridge behind a JS node:http → Request adapter.
    node: nodeFigures,
    concurrent: {
      streams,
      elapsed_ms: Math.round(elapsed),
      tokens,
      tokens_per_s: Math.round((tokens / elapsed) * 1000),
      dropped,
    },
    shed: {
      ws: { answer: shedAnswer, ...stats(shedWs) },
      http: { status: shedStatus, ...stats(shedHttp) },
    },
    cancel_to_upstream_closed_ms: { ws: stats(cancelWs), http: stats(cancelHttp) },
    met: {
      added_ws_ttft_p95: targetSource.added_ttft_ms.ws.p95 <= 20,
      http_within_ws: targetSource.http_vs_ws_added_ttft_p95_ratio <= 1.1,
    },
    targets: {
      added_ws_ttft_p95_ms_max: 20,
      http_within_ws_pct: 10,
      shed_ms_max: 10,
      cancel_stops_upstream_ms_max: 200,
    },
  };
  if (!values.json) {
    console.log(
      `time to first token, p50/p95 ms: direct ${baseline.p50}/${baseline.p95}, WS ${wsStats.p50}/${wsStats.p95}, HTTP ${httpStats.p50}/${httpStats.p95} (openai client ${httpOpenAiStats.p50}/${httpOpenAiStats.p95})`,
    );
    console.log(`added by the gateway in Node, p95: WS ${addedWs.p95} ms, HTTP ${addedHttp.p95} ms`);
    if (workerd)
      console.log(
        `in workerd, time to first token p50/p95 ms: direct ${workerd.ttft_ms.baseline_openai_direct.p50}/${workerd.ttft_ms.baseline_openai_direct.p95}, WS ${workerd.ttft_ms.ws.p50}/${workerd.ttft_ms.ws.p95}, HTTP ${workerd.ttft_ms.http.p50}/${workerd.ttft_ms.http.p95}; added p95: WS ${workerd.added_ttft_ms.ws.p95} ms, HTTP ${workerd.added_ttft_ms.http.p95} ms`,
      );
    console.log(
      `${streams} concurrent streams: ${result.concurrent.tokens_per_s} tokens/s, dropped ${dropped}`,
    );
    console.log(
      `over the limit: WS ${shedAnswer} p95 ${result.shed.ws.p95} ms, HTTP ${shedStatus} p95 ${result.shed.http.p95} ms`,
    );
    console.log(
      `cancel to upstream closed, p95: WS ${result.cancel_to_upstream_closed_ms.ws.p95} ms, HTTP ${result.cancel_to_upstream_closed_ms.http.p95} ms`,
    );
  }
  console.log(JSON.stringify(result));
} finally {
  wss.close();
  httpAgent.destroy();
  server.close();
  await double.stop();
}
