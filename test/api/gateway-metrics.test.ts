/**
 * The gateway's metrics end to end in Node: a metered core over the model double runs a chat with a tool
 * loop, an embedding and a failing model; the counters go through an isolate's ops delta (validated as the
 * ledger validates it) and come out as Prometheus families with model, transport, tool and finish_reason
 * labels, and no key anywhere.
 */
import { GatewayMetrics } from '@promethean/shared/ops/gateway-metrics';
import type { LedgerSnapshot } from '@promethean/shared/ops/ledger-snapshot';
import { metricFamilies } from '@promethean/shared/ops/metrics-families';
import { OpsDelta } from '@promethean/shared/ops/ops-delta';
import { OpsRecorder } from '@promethean/shared/ops/ops-recorder';
import { renderPrometheus } from '@promethean/shared/ops/prometheus-text';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey } from '../../functions/api/api-key-format.ts';
import { GatewayConnection } from '../../functions/llm-gateway/gateway-connection.ts';
import { GatewayCoreFactory } from '../../functions/llm-gateway/gateway-core-factory.ts';
import { meteredCore } from '../../functions/llm-gateway/metered-core.ts';
import { messageText } from '../model-double/double-answers.ts';
import { type ModelDouble, startModelDouble } from '../model-double/model-double.ts';
import { MemoryV1Backend } from './memory-v1-backend.ts';

let double: ModelDouble;
const backend = new MemoryV1Backend();
let key = '';

beforeAll(async () => {
  key = await backend.addKey({ provider: 'echo', tenant: 'demo' });
  double = await startModelDouble({
    chatReply: (req) => {
      const last = req.messages.at(-1);
      if (last?.role === 'tool') return `status: ${messageText(last).slice(0, 20)}`;
      return { tool_calls: [{ name: 'get_tenant_status', arguments: {} }] };
    },
  });
});
afterAll(async () => {
  await double.stop();
});

describe('gateway metrics', () => {
  it('counts requests, tokens, finish reasons, tools, errors and dropped into the ops delta and /metrics', async () => {
    const principal = await backend.lookupKey(await hashApiKey(key));
    if (!principal) throw new Error('no principal');
    const recorder = new OpsRecorder();
    const metrics = recorder.gateway;
    const core = await new GatewayCoreFactory().coreFor({
      principal,
      settings: {
        base_url: double.baseUrl,
        api_key: 'sk-double-secret',
        llm_model: 'm',
        embed_model: 'e',
        timeout_ms: 5_000,
      },
      backendOf: () => backend,
      observer: { toolCall: (tool, ok, ms) => metrics.tool(tool, ok, ms) },
    });
    const metered = meteredCore(core, metrics, 'ws', { chat: 'm', embedding: 'e' });
    const events: string[] = [];
    const connection = new GatewayConnection(
      metered,
      (e) => events.push(e.type === 'error' ? `error:${e.code}` : e.type),
      { maxInFlight: 1, maxMessageBytes: 1 << 20, overloadRetryMs: 100 },
      (model) => metrics.dropped(model ?? 'm', 'ws'),
    );
    const chat = (id: string, model?: string) =>
      JSON.stringify({
        type: 'chat.completion',
        request_id: id,
        ...(model && { model }),
        messages: [{ role: 'user', content: 'how many messages?' }],
        use_platform_tools: true,
      });
    // Two at once on a one-slot connection: the second is dropped at once.
    await Promise.all([connection.handle(chat('a')), connection.handle(chat('b'))]);
    await connection.handle(JSON.stringify({ type: 'embedding.query', request_id: 'e', input: 'x' }));
    double.faults.add({ kind: 'status', status: 503 });
    await connection.handle(chat('c', 'missing-model'));
    expect(events).toContain('error:overloaded');
    expect(events).toContain('error:upstream_error');

    const delta = recorder.takeDelta({ worker: 'llm-gateway', isolate: 'i', at: 0, health: [] });
    expect(OpsDelta.safeParse(delta).success).toBe(true);
    const g = delta.gateway;
    if (!g) throw new Error('no gateway delta');
    const m = g.models.find((x) => x.model === 'm' && x.transport === 'ws');
    expect(m).toMatchObject({ requests: 1, completed: 1, errors: 0, dropped: 1 });
    expect(m?.finish_reasons).toEqual({ stop: 1 });
    expect(m?.prompt_tokens).toBeGreaterThan(0);
    expect(m?.completion_tokens).toBeGreaterThan(0);
    expect(g.models.find((x) => x.model === 'e')).toMatchObject({ requests: 1, completed: 1 });
    expect(g.models.find((x) => x.model === 'missing-model')).toMatchObject({ requests: 1, errors: 1 });
    expect(g.tools).toEqual([
      expect.objectContaining({ tool: 'get_tenant_status', invocations: 1, errors: 0 }),
    ]);
    expect(recorder.isEmpty()).toBe(true);

    // A failed flush puts the counters back.
    recorder.restore(delta);
    expect(recorder.gateway.take().models).toEqual(delta.gateway?.models);

    const llm: NonNullable<LedgerSnapshot['llm']> = {
      models: g.models,
      tools: g.tools.map((t) => ({
        tool: t.tool,
        invocations: t.invocations,
        errors: t.errors,
        latency: { count: 1, sum_ms: 3, p50_ms: 3, p95_ms: 3, max_ms: 3 },
      })),
      connections: 2,
      in_flight: 1,
      sources: 1,
    };
    const text = renderPrometheus(
      metricFamilies({ ledger: { llm } as LedgerSnapshot, access: null } as never),
    );
    expect(text).toContain('promethean_llm_requests_total{model="m",transport="ws"} 1');
    expect(text).toContain('promethean_llm_dropped_total{model="m",transport="ws"} 1');
    expect(text).toContain(
      'promethean_llm_finish_reasons_total{model="m",transport="ws",finish_reason="stop"} 1',
    );
    expect(text).toContain('promethean_llm_tool_invocations_total{tool="get_tenant_status"} 1');
    expect(text).toContain('promethean_llm_tool_latency_ms{tool="get_tenant_status",quantile="0.95"} 3');
    expect(text).toContain('promethean_llm_connections 2');
    expect(text).toContain('promethean_llm_queue_depth 1');
    expect(text).toMatch(/promethean_llm_tokens_total\{model="m",transport="ws",kind="prompt"\} \d+/);
    expect(text).not.toContain('sk-double-secret');
    expect(text).not.toContain(key);
  });

  it('folds model names past the per-flush cap into "other"', () => {
    const metrics = new GatewayMetrics();
    for (let i = 0; i < 40; i++) metrics.request(`model-${i}`, 'http');
    const models = metrics.take().models;
    expect(models).toHaveLength(33);
    expect(models.find((m) => m.model === 'other')?.requests).toBe(8);
  });
});
