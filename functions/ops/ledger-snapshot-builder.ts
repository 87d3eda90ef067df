/** Reads the OpsLedger's tables into a `LedgerSnapshot`: merges sketches, health across isolates, depths. */

import { LatencySketch, type SketchData } from '@promethean/shared/ops/latency-sketch';
import {
  type AgentHealthSummary,
  type AgentIntentStats,
  embedCacheHitRate,
  type LatencySummary,
  type LedgerSnapshot,
  type LlmGatewayStats,
  type MinutePoint,
  mergeAgentHealth,
  type PlatformOpsStats,
  perMessage,
  type QueueStats,
} from '@promethean/shared/ops/ledger-snapshot';
import type {
  AgentControl,
  AgentHealthReport,
  BusHealthEntry,
  PlatformOpsDelta,
} from '@promethean/shared/ops/ops-delta';
import { runSql } from '@promethean/shared/platform/durable-sql';

/** The "recent" window of per-agent figures, in minutes. */
export const WINDOW_MINUTES = 5;
/** A platform backlog figure older than this gives way to the counter estimate. */
const BACKLOG_FRESH_MS = 5 * 60_000;

type AgentRow = Omit<AgentIntentStats, 'latency' | 'recent'> & { sketch: string };
type MinuteRow = {
  minute: number;
  agent: string;
  intent: string;
  count: number;
  errors: number;
  sketch: string;
};
type QueueRow = Omit<QueueStats, 'settled' | 'depth_estimate' | 'backlog' | 'depth' | 'depth_source'> & {
  acked: number;
  backlog: number | null;
  backlog_at: number | null;
};

function summary(sketch: LatencySketch): LatencySummary {
  return {
    count: sketch.count,
    sum_ms: Math.round(sketch.sum * 1000) / 1000,
    p50_ms: sketch.quantile(0.5),
    p95_ms: sketch.quantile(0.95),
    max_ms: sketch.max,
  };
}

const sketchOf = (json: string) => LatencySketch.from(JSON.parse(json) as SketchData);

function agentStats(
  storage: DurableObjectStorage,
  minutes: MinuteRow[],
  fromMinute: number,
): AgentIntentStats[] {
  const rows = runSql<AgentRow & Record<string, SqlStorageValue>>(
    storage,
    'SELECT * FROM agent_intents ORDER BY agent, intent',
  );
  return rows.map(({ sketch, ...row }) => {
    const recentRows = minutes.filter(
      (m) => m.agent === row.agent && m.intent === row.intent && m.minute >= fromMinute,
    );
    const recent = new LatencySketch();
    for (const m of recentRows) recent.merge(JSON.parse(m.sketch) as SketchData);
    return {
      ...row,
      latency: summary(sketchOf(sketch)),
      recent: {
        count: recentRows.reduce((n, m) => n + m.count, 0),
        errors: recentRows.reduce((n, m) => n + m.errors, 0),
        latency: summary(recent),
      },
    };
  });
}

function healthSummaries(
  storage: DurableObjectStorage,
  now: number,
  isolateTtlMs: number,
  controls: AgentControl[],
): AgentHealthSummary[] {
  const isolates = runSql<{ worker: string; isolate: string; seen_at: number; health: string }>(
    storage,
    'SELECT worker, isolate, seen_at, health FROM isolates WHERE seen_at >= ? ORDER BY worker, seen_at DESC',
    now - isolateTtlMs,
  );
  const byAgent = new Map<string, { worker: string; reports: AgentHealthSummary['reports'] }>();
  for (const i of isolates) {
    for (const r of JSON.parse(i.health) as AgentHealthReport[]) {
      const entry = byAgent.get(r.agent) ?? { worker: i.worker, reports: [] };
      entry.reports.push({ ...r, isolate: i.isolate, seen_at: i.seen_at });
      byAgent.set(r.agent, entry);
    }
  }
  return [...byAgent]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([agent, e]) =>
      mergeAgentHealth(
        agent,
        e.worker,
        e.reports,
        controls.find((c) => c.agent === agent),
      ),
    );
}

function queueStats(storage: DurableObjectStorage, now: number): QueueStats[] {
  return runSql<QueueRow & Record<string, SqlStorageValue>>(
    storage,
    'SELECT * FROM queues ORDER BY queue',
  ).map(({ acked, backlog, backlog_at, ...q }) => {
    const estimate = Math.max(0, q.produced - acked);
    const fresh = backlog !== null && backlog_at !== null && now - backlog_at <= BACKLOG_FRESH_MS;
    return {
      ...q,
      settled: acked,
      depth_estimate: estimate,
      backlog: backlog !== null && backlog_at !== null ? { messages: backlog, at: backlog_at } : null,
      depth: fresh ? backlog : estimate,
      depth_source: fresh ? 'platform' : 'estimate',
    };
  });
}

function platformOps(storage: DurableObjectStorage): LedgerSnapshot['platform_ops'] {
  const byWorker = runSql<PlatformOpsStats & Record<string, SqlStorageValue>>(
    storage,
    'SELECT * FROM platform_ops ORDER BY worker',
  ).map((r) => ({ ...r }));
  const total: PlatformOpsDelta = {
    worker_invocations: 0,
    queue_writes: 0,
    queue_reads: 0,
    durable_object_requests: 0,
    store_writes: 0,
    messages_processed: 0,
    embed_cache_hits: 0,
    embed_cache_misses: 0,
    dual_write_failed_documents: 0,
    dual_write_failed_vectors: 0,
  };
  for (const w of byWorker)
    for (const k of Object.keys(total) as Array<keyof PlatformOpsDelta>) total[k] += w[k];
  return {
    by_worker: byWorker,
    total,
    per_message: perMessage(total),
    embed_cache_hit_rate: embedCacheHitRate(total),
  };
}

function series(minutes: MinuteRow[]): MinutePoint[] {
  return minutes.map(({ sketch, ...m }) => {
    const s = sketchOf(sketch);
    return { ...m, p50_ms: s.quantile(0.5), p95_ms: s.quantile(0.95) };
  });
}

/** Builds the snapshot from the ledger's storage at `now`. */
export function buildSnapshot(
  storage: DurableObjectStorage,
  now: number,
  isolateTtlMs: number,
  controls: AgentControl[],
): LedgerSnapshot {
  const minutes = runSql<MinuteRow & Record<string, SqlStorageValue>>(
    storage,
    'SELECT * FROM agent_minutes ORDER BY minute, agent, intent',
  );
  const fromMinute = Math.floor(now / 60_000) - WINDOW_MINUTES + 1;
  return {
    generated_at: now,
    window_minutes: WINDOW_MINUTES,
    agents: agentStats(storage, minutes, fromMinute),
    health: healthSummaries(storage, now, isolateTtlMs, controls),
    bus_health: runSql<{ entry: string; seen_at: number }>(
      storage,
      'SELECT entry, seen_at FROM bus_health ORDER BY key',
    ).map((r) => ({ ...(JSON.parse(r.entry) as BusHealthEntry), seen_at: r.seen_at })),
    queues: queueStats(storage, now),
    dead_letters: runSql<{ provider: string; tenant: string; depth: number; updated_at: number }>(
      storage,
      'SELECT provider, tenant, depth, updated_at FROM dead_letters ORDER BY provider, tenant',
    ).map((r) => ({ ...r })),
    platform_ops: platformOps(storage),
    controls,
    series: series(minutes),
    llm: llmStats(storage, now, isolateTtlMs),
  };
}

function llmStats(storage: DurableObjectStorage, now: number, isolateTtlMs: number): LlmGatewayStats {
  const models = runSql<
    Omit<LlmGatewayStats['models'][number], 'finish_reasons'> & { finish_reasons: string }
  >(storage, 'SELECT * FROM llm_models ORDER BY model, transport').map((r) => ({
    model: r.model,
    transport: r.transport,
    requests: r.requests,
    completed: r.completed,
    errors: r.errors,
    dropped: r.dropped,
    prompt_tokens: r.prompt_tokens,
    completion_tokens: r.completion_tokens,
    finish_reasons: JSON.parse(r.finish_reasons) as Record<string, number>,
  }));
  const tools = runSql<{ tool: string; invocations: number; errors: number; sketch: string }>(
    storage,
    'SELECT tool, invocations, errors, sketch FROM llm_tools ORDER BY tool',
  ).map((r) => ({
    tool: r.tool,
    invocations: r.invocations,
    errors: r.errors,
    latency: summary(LatencySketch.from(JSON.parse(r.sketch) as SketchData)),
  }));
  const gauges = runSql<{ connections: number; in_flight: number }>(
    storage,
    'SELECT connections, in_flight FROM llm_gauges WHERE at >= ?',
    now - isolateTtlMs,
  );
  return {
    models,
    tools,
    connections: gauges.reduce((n, g) => n + g.connections, 0),
    in_flight: gauges.reduce((n, g) => n + g.in_flight, 0),
    sources: gauges.length,
  };
}
