/**
 * The ops ledger in workerd: deltas from several isolates and both Workers merge into one snapshot
 * (counts, sketches, health, queue depths, operations per message), controls round-trip, and /metrics
 * serves it as Prometheus text and JSON behind the admin token.
 */
import { env } from 'cloudflare:workers';
import { LatencySketch } from '@promethean/shared/ops/latency-sketch';
import type { AgentHealthReport, OpsDelta } from '@promethean/shared/ops/ops-delta';
import { describe, expect, it } from 'vitest';
import { ledgerSnapshot, opsLedger } from '../../../functions/ops/ops-bindings.ts';
import { app } from '../../../functions/src/http-app.ts';

const ADMIN = 'ops-test-admin-token-0123456789abcdef0123456789';
const adminEnv = { ...env, ADMIN_TOKEN: ADMIN } as FunctionsEnv;
const bearer = { authorization: `Bearer ${ADMIN}` };

function health(agent: string, over: Partial<AgentHealthReport> = {}): AgentHealthReport {
  return {
    agent,
    kind: 'stateless-worker',
    version: '1.0.0',
    state: 'RUNNING',
    ready: true,
    live: true,
    last_progress_at: null,
    handled: 0,
    errors: 0,
    in_flight: 0,
    interval_ms: 30_000,
    liveness_timeout_ms: 300_000,
    ...over,
  };
}

/**
 * One timestamp for every delta of the file: deltas stamped apart can fall on both sides of a minute
 * boundary and land in two per-minute rows, which the series assertions would read as lost counts.
 */
let deltaAt: number | undefined;

function deltaStamp(): number {
  deltaAt ??= Date.now();
  return deltaAt;
}

function delta(worker: string, isolate: string, latencies: number[], over: Partial<OpsDelta> = {}): OpsDelta {
  const sketch = new LatencySketch();
  for (const l of latencies) sketch.record(l);
  return {
    v: 1,
    worker,
    isolate,
    at: deltaStamp(),
    agents: [
      {
        agent: 'ledger-probe',
        intent: 'SocialMessageCreated',
        count: latencies.length,
        errors: 1,
        retries: 1,
        dead_lettered: 0,
        deferred: 2,
        overloaded: 2,
        latency: sketch.toJSON(),
      },
    ],
    queues: [
      {
        queue: 'ledger-probe-queue',
        produced: 10,
        read: 8,
        acked: 6,
        retried: 1,
        deferred: 0,
        dead_lettered: 0,
      },
    ],
    ops: {
      worker_invocations: 2,
      queue_writes: 10,
      queue_reads: 8,
      durable_object_requests: 4,
      store_writes: 6,
      messages_processed: 8,
      embed_cache_hits: 3,
      embed_cache_misses: 1,
      dual_write_failed_documents: 2,
      dual_write_failed_vectors: 1,
    },
    health: [health('ledger-probe', { in_flight: 3 })],
    bus_health: [],
    dead_letters: [{ provider: 'echo', tenant: 'ledger', depth: 4 }],
    ...over,
  };
}

describe('OpsLedger', () => {
  it('merges deltas from two isolates into one snapshot', async () => {
    const ledger = opsLedger(env);
    await ledger.record(delta('functions', 'iso-a', [10, 20, 30, 40, 50]));
    await ledger.record(
      delta('functions', 'iso-b', [60, 70, 80, 90, 1000], {
        health: [
          health('ledger-probe', { in_flight: 2, state: 'DEGRADED', ready: false, reason: 'store down' }),
        ],
      }),
    );
    const s = await ledgerSnapshot(env);
    const stats = s.agents.find((a) => a.agent === 'ledger-probe')!;
    expect(stats).toMatchObject({ count: 10, errors: 2, retries: 2, deferred: 4, overloaded: 4 });
    expect(stats.latency.count).toBe(10);
    // Nearest rank over 10..90 and 1000: p50 = 50, p95 = 1000 (within the sketch's 2 %).
    expect(stats.latency.p50_ms! / 50).toBeCloseTo(1, 1);
    expect(stats.latency.p95_ms! / 1000).toBeCloseTo(1, 1);
    expect(stats.recent.count).toBe(10);
    const h = s.health.find((x) => x.agent === 'ledger-probe')!;
    expect(h).toMatchObject({
      state: 'DEGRADED',
      ready: false,
      in_flight: 5,
      isolates: 2,
      reason: 'store down',
    });
    expect(s.queues.find((q) => q.queue === 'ledger-probe-queue')).toMatchObject({
      produced: 20,
      settled: 12,
      depth_estimate: 8,
      depth: 8,
      depth_source: 'estimate',
    });
    expect(s.dead_letters).toContainEqual(
      expect.objectContaining({ provider: 'echo', tenant: 'ledger', depth: 4 }),
    );
    const fn = s.platform_ops.by_worker.find((w) => w.worker === 'functions')!;
    expect(fn.messages_processed).toBeGreaterThanOrEqual(16);
    expect(fn.embed_cache_hits).toBeGreaterThanOrEqual(6);
    expect(fn.embed_cache_misses).toBeGreaterThanOrEqual(2);
    // Dual-write failures add up in the ledger like every platform counter (two deltas of 2 and 1).
    expect(fn.dual_write_failed_documents).toBeGreaterThanOrEqual(4);
    expect(fn.dual_write_failed_documents % 2).toBe(0);
    expect(fn.dual_write_failed_vectors).toBe(fn.dual_write_failed_documents / 2);
    // Every delta here reports 3 hits and 1 miss.
    expect(s.platform_ops.embed_cache_hit_rate).toBe(0.75);
    expect(s.series.some((p) => p.agent === 'ledger-probe' && p.count === 10)).toBe(true);
  });

  it('adds up deliveries input filters refused apart from handler runs, and serves them on /metrics', async () => {
    const ledger = opsLedger(env);
    const quiet = { agent: 'filter-probe', errors: 0, retries: 0, deferred: 0, overloaded: 0 };
    const none = { ...delta('functions', 'iso-f', []).agents[0]!, ...quiet };
    const ran = { ...delta('functions', 'iso-g', [12]).agents[0]!, ...quiet };
    await ledger.record(delta('functions', 'iso-f', [], { agents: [{ ...none, filtered: 5 }] }));
    await ledger.record(delta('functions', 'iso-g', [], { agents: [{ ...ran, filtered: 2 }] }));
    // An isolate from before filters sends no `filtered`: it counts as none.
    await ledger.record(delta('functions', 'iso-h', [], { agents: [{ ...none, deferred: 1 }] }));
    const stats = (await ledgerSnapshot(env)).agents.find((a) => a.agent === 'filter-probe')!;
    expect(stats).toMatchObject({ count: 1, filtered: 7, deferred: 1 });
    expect(stats.latency.count).toBe(1);
    const text = await (await app.request('/metrics', { headers: bearer }, adminEnv)).text();
    expect(text).toMatch(
      /^promethean_agent_filtered_total\{agent="filter-probe",intent="SocialMessageCreated"\} 7$/m,
    );
    expect(text).toMatch(
      /^promethean_agent_invocations_total\{agent="filter-probe",intent="SocialMessageCreated"\} 1$/m,
    );
  });

  it('prefers a fresh platform backlog figure over the counter estimate', async () => {
    await opsLedger(env).record(
      delta('access', 'iso-c', [], {
        agents: [],
        queues: [
          {
            queue: 'backlog-probe',
            produced: 5,
            read: 0,
            acked: 0,
            retried: 0,
            deferred: 0,
            dead_lettered: 0,
            backlog: { messages: 42, at: Date.now() },
          },
        ],
      }),
    );
    const q = (await ledgerSnapshot(env)).queues.find((x) => x.queue === 'backlog-probe');
    expect(q).toMatchObject({ depth: 42, depth_source: 'platform', depth_estimate: 5 });
  });

  it('keeps operator controls and answers every flush with them', async () => {
    const ledger = opsLedger(env);
    await ledger.setControl({ agent: 'ledger-probe', state: 'paused', reason: 'maintenance' });
    const answer = await ledger.record(delta('functions', 'iso-a', [5]));
    expect('controls' in answer && answer.controls).toEqual([
      expect.objectContaining({ agent: 'ledger-probe', state: 'paused' }),
    ]);
    expect((await ledgerSnapshot(env)).health.find((h) => h.agent === 'ledger-probe')?.state).toBe('PAUSED');
    await ledger.setControl({ agent: 'ledger-probe', state: 'running' });
    expect(await ledger.controls()).toEqual([]);
  });

  it('keeps the newest report of each migration, whatever order isolates flush in, and sums its errors', async () => {
    const at = Date.now();
    const report = (phase: string, updated: number, errors: number) => ({
      provider: 'echo',
      tenant: 'ledger',
      kind: 'store-move' as const,
      id: 'ledger-move',
      phase,
      from: 'sqlite',
      to: 'mongodb',
      goal: 'dual_write',
      paused: false,
      total: 10,
      copied: phase === 'cdc' ? 10 : 4,
      cdc_events: 0,
      cdc_applied: 0,
      lag: 0,
      errors,
      started_at: at - 1_000,
      updated_at: updated,
    });
    const ledger = opsLedger(env);
    await ledger.record(delta('functions', 'iso-m1', [], { agents: [], migrations: [report('cdc', at, 1)] }));
    await ledger.record(
      delta('functions', 'iso-m2', [], { agents: [], migrations: [report('backfilling', at - 500, 2)] }),
    );
    const m = (await ledgerSnapshot(env)).migrations?.find((x) => x.id === 'ledger-move');
    expect(m).toMatchObject({ phase: 'cdc', copied: 10, errors: 3 });
  });

  it('refuses a malformed delta at its RPC boundary, saying what is wrong', async () => {
    const answer = await opsLedger(env).record({ v: 1, worker: 'x' });
    expect(answer).toMatchObject({ refused: expect.stringMatching(/invalid ops delta: isolate/) });
  });
});

describe('GET /metrics', () => {
  it('refuses without the admin token', async () => {
    expect((await app.request('/metrics', {}, adminEnv)).status).toBe(401);
  });

  it('serves Prometheus text with HELP and TYPE for every family', async () => {
    await opsLedger(env).record(delta('functions', 'iso-m', [15, 25]));
    const res = await app.request('/metrics', { headers: bearer }, adminEnv);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await res.text();
    const families = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => m[1]);
    for (const name of families) expect(text).toMatch(new RegExp(`^# HELP ${name} .+$`, 'm'));
    expect(new Set(families).size).toBe(families.length);
    expect(text).toMatch(
      /^promethean_agent_invocations_total\{agent="ledger-probe",intent="SocialMessageCreated"\} \d+$/m,
    );
    expect(text).toMatch(
      /^promethean_agent_latency_ms\{agent="ledger-probe",intent="SocialMessageCreated",quantile="0.95"\} [\d.]+$/m,
    );
    expect(text).toMatch(/^promethean_platform_operations_per_message\{operation="queue_reads"\} [\d.]+$/m);
    expect(text).toContain('promethean_status_source_up{source="ledger"} 1');
    expect(text).toMatch(/^promethean_embed_cache_lookups_total\{worker="functions",result="hit"\} \d+$/m);
    expect(text).toMatch(/^promethean_embed_cache_hit_ratio 0\.75$/m);
    // The queues this Worker produces to report their backlog live (Queue.metrics()) at scrape time.
    expect(text).toMatch(/^promethean_queue_depth\{queue="promethean-events",source="platform"\} \d+$/m);
    expect(text).toMatch(/^promethean_queue_backlog_messages\{queue="promethean-dead-letters"\} \d+$/m);
    // The access Worker is not part of this test project: the scrape says so instead of failing.
    expect(text).toContain('promethean_status_source_up{source="access"} 0');
    for (const line of text.split('\n').filter((l) => l && !l.startsWith('#'))) {
      expect(line).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? (-?[\d.e+-]+|NaN|[+-]Inf)$/);
    }
  });

  it('sums the LLM gateway counters of isolates and gateway objects and serves them on /metrics', async () => {
    const sketch = new LatencySketch();
    sketch.record(12);
    const gateway = (source: string, at: number): NonNullable<OpsDelta['gateway']> => ({
      models: [
        {
          model: 'ledger-llm',
          transport: 'ws',
          requests: 3,
          completed: 2,
          errors: 1,
          dropped: 1,
          prompt_tokens: 30,
          completion_tokens: 12,
          finish_reasons: { stop: 1, tool_calls: 1 },
        },
      ],
      tools: [{ tool: 'ledger_tool', invocations: 2, errors: 1, latency: sketch.toJSON() }],
      gauges: [{ source, connections: 2, in_flight: 1, at }],
    });
    const now = Date.now();
    await opsLedger(env).record(
      delta('llm-gateway', 'gw-a', [], { agents: [], gateway: gateway('gw-a', now) }),
    );
    await opsLedger(env).record(
      delta('llm-gateway', 'gw-b', [], { agents: [], gateway: gateway('gw-b', now) }),
    );
    // An older gauge from the same source does not overwrite a newer one.
    await opsLedger(env).record(
      delta('llm-gateway', 'gw-b', [], {
        agents: [],
        gateway: {
          models: [],
          tools: [],
          gauges: [{ source: 'gw-b', connections: 9, in_flight: 9, at: now - 1 }],
        },
      }),
    );
    const llm = (await ledgerSnapshot(env)).llm!;
    expect(llm.models.find((m) => m.model === 'ledger-llm')).toMatchObject({
      requests: 6,
      completed: 4,
      errors: 2,
      dropped: 2,
      prompt_tokens: 60,
      completion_tokens: 24,
      finish_reasons: { stop: 2, tool_calls: 2 },
    });
    expect(llm.tools.find((t) => t.tool === 'ledger_tool')).toMatchObject({ invocations: 4, errors: 2 });
    expect(llm.connections).toBeGreaterThanOrEqual(4);
    expect(llm.connections).toBeLessThan(9 + 2);
    const text = await (await app.request('/metrics', { headers: bearer }, adminEnv)).text();
    expect(text).toContain('promethean_llm_requests_total{model="ledger-llm",transport="ws"} 6');
    expect(text).toContain('promethean_llm_dropped_total{model="ledger-llm",transport="ws"} 2');
    expect(text).toContain(
      'promethean_llm_finish_reasons_total{model="ledger-llm",transport="ws",finish_reason="tool_calls"} 2',
    );
    expect(text).toContain('promethean_llm_tokens_total{model="ledger-llm",transport="ws",kind="prompt"} 60');
    expect(text).toContain('promethean_llm_tool_invocations_total{tool="ledger_tool"} 4');
    expect(text).toContain('promethean_llm_tool_errors_total{tool="ledger_tool"} 2');
    expect(text).toMatch(/^promethean_llm_tool_latency_ms\{tool="ledger_tool",quantile="0.95"\} [\d.]+$/m);
    expect(text).toMatch(/^promethean_llm_connections \d+$/m);
    expect(text).toMatch(/^promethean_llm_queue_depth \d+$/m);
  });

  it('serves the same snapshot as JSON with ?format=json', async () => {
    const res = await app.request('/metrics?format=json', { headers: bearer }, adminEnv);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { ledger: { agents: unknown[] }; access_error?: string };
    expect(body.ledger.agents.length).toBeGreaterThan(0);
    expect(body.access_error).toBeTruthy();
    expect((await app.request('/metrics?format=xml', { headers: bearer }, adminEnv)).status).toBe(400);
  });
});
