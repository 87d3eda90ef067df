/**
 * The LLM gateway's time to first token as deployed: both Workers in workerd (the pipeline stack, Miniflare
 * launcher), the WebSocket through `/v1/llm/ws` to the tenant's LlmGateway Durable Object, and the HTTP bridge
 * through the functions Worker's `/v1/chat/completions` with its per-request key check. Here the runtime's own
 * HTTP server, Request/Response and streams carry the bridge, where the Node bench needs a JS adapter for them.
 * The probes are the Node bench's: a bare `ws` client and a bare node:http client on one kept-alive
 * connection, each parsing every event and stopping the clock at the first content, against the `openai`
 * client streaming from the same model double directly; same warm-up, samples interleaved.
 */
import { Agent } from 'node:http';
import OpenAI from 'openai';
import { WebSocket } from 'ws';
import { startModelDouble } from '../model-double/model-double.ts';
import { percentile } from './latency-stats.ts';
import { startPipelineStack } from './pipeline-stack.ts';
import { sseFirstTokenMs } from './sse-first-token-probe.ts';

export interface TtftStats {
  p50: number;
  p95: number;
}

export interface WorkerdTtft {
  samples: number;
  ttft_ms: { baseline_openai_direct: TtftStats; ws: TtftStats; http: TtftStats };
  added_ttft_ms: { ws: TtftStats; http: TtftStats };
  http_vs_ws_added_ttft_p95_ratio: number;
  startup_s: number;
}

const stats = (xs: number[]): TtftStats => {
  const s = [...xs].sort((a, b) => a - b);
  return { p50: Number(percentile(s, 50).toFixed(2)), p95: Number(percentile(s, 95).toFixed(2)) };
};

const added = (x: TtftStats, base: TtftStats): TtftStats => ({
  p50: Number((x.p50 - base.p50).toFixed(2)),
  p95: Number((x.p95 - base.p95).toFixed(2)),
});

export async function measureInWorkerd(o: {
  samples: number;
  reply: string;
  log?: (line: string) => void;
}): Promise<WorkerdTtft> {
  const t0 = performance.now();
  const models = await startModelDouble({ chatReply: () => o.reply });
  const stack = await startPipelineStack({
    documents: 'sqlite',
    launcher: 'miniflare',
    shared: { models },
    functionsVars: { LLM_MODEL: 'm' },
    ...(o.log && { log: o.log }),
  });
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  let ws: WebSocket | undefined;
  try {
    const created = await stack.admin('/admin/api-keys', {
      method: 'POST',
      body: JSON.stringify({ provider: 'echo', tenant: 'demo', label: 'llm-gateway bench' }),
    });
    if (created.status !== 201) throw new Error(`creating the bench key answered ${created.status}`);
    const key = ((await created.json()) as { key: string }).key;
    const startup = (performance.now() - t0) / 1000;

    const messages = [{ role: 'user' as const, content: 'state the theorem' }];
    const direct = new OpenAI({ apiKey: 'sk-double', baseURL: models.baseUrl, maxRetries: 0 });
    const baselineOnce = async () => {
      const started = performance.now();
      const stream = await direct.chat.completions.create({ model: 'm', messages, stream: true });
      let first = 0;
      for await (const chunk of stream)
        if (first === 0 && chunk.choices[0]?.delta.content) first = performance.now() - started;
      return first;
    };

    const socket = await new Promise<WebSocket>((resolve, reject) => {
      const s = new WebSocket(`${stack.url.replace('http', 'ws')}/v1/llm/ws`, {
        headers: { authorization: `Bearer ${key}` },
      });
      s.once('open', () => resolve(s));
      s.once('error', reject);
      s.once('unexpected-response', (_req, res) =>
        reject(new Error(`the upgrade answered ${res.statusCode}`)),
      );
    });
    ws = socket;
    const wsOnce = (id: string) =>
      new Promise<number>((resolve, reject) => {
        const started = performance.now();
        let ttft = 0;
        const onMessage = (data: unknown) => {
          const e = JSON.parse(String(data)) as { type: string; request_id: string; code?: string };
          if (e.request_id !== id) return;
          if (e.type === 'chat.delta' && ttft === 0) ttft = performance.now() - started;
          if (e.type === 'error') reject(new Error(`the gateway answered ${e.code}`));
          if (e.type === 'chat.complete' || e.type === 'error') {
            socket.off('message', onMessage);
            resolve(ttft);
          }
        };
        socket.on('message', onMessage);
        socket.send(
          JSON.stringify({ type: 'chat.completion', request_id: id, model: 'm', messages, stream: true }),
        );
      });

    const chatBody = JSON.stringify({ model: 'm', messages, stream: true });
    const httpOnce = () => sseFirstTokenMs(`${stack.url}/v1/chat/completions`, agent, key, chatBody);

    // The deployed bridge admits 20 requests/s per key (burst 40): one HTTP sample per 50 ms stays under it,
    // and every path gets the same pause, outside its timing.
    const pace = () => new Promise((r) => setTimeout(r, 50));
    // workerd compiles lazily and its isolates warm up: more warm-ups than in Node.
    for (let i = 0; i < 50; i++) {
      await baselineOnce();
      await wsOnce(`warm-${i}`);
      await httpOnce();
      await pace();
    }
    const base: number[] = [];
    const overWs: number[] = [];
    const overHttp: number[] = [];
    for (let i = 0; i < o.samples; i++) {
      base.push(await baselineOnce());
      overWs.push(await wsOnce(`s-${i}`));
      overHttp.push(await httpOnce());
      await pace();
    }
    o.log?.(`[llm-gateway] workerd samples done at ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const baseline = stats(base);
    const wsStats = stats(overWs);
    const httpStats = stats(overHttp);
    const addedWs = added(wsStats, baseline);
    const addedHttp = added(httpStats, baseline);
    return {
      samples: o.samples,
      ttft_ms: { baseline_openai_direct: baseline, ws: wsStats, http: httpStats },
      added_ttft_ms: { ws: addedWs, http: addedHttp },
      http_vs_ws_added_ttft_p95_ratio: Number((addedHttp.p95 / addedWs.p95).toFixed(3)),
      startup_s: Number(startup.toFixed(1)),
    };
  } finally {
    ws?.close();
    agent.destroy();
    const stopping = performance.now();
    await stack.stop();
    await models.stop();
    o.log?.(`[llm-gateway] workerd stack stopped in ${((performance.now() - stopping) / 1000).toFixed(1)} s`);
  }
}
