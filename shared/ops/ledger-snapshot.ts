/**
 * What the ops ledger answers with: totals and recent windows per agent and intent, merged health,
 * queue depths, dead letters, platform operations per processed message, controls and per-minute
 * series. The status page, `/metrics` and the status-reporter agent all read this one shape.
 */
import type { HealthState } from '@promethean/schemas/ops/ops-messages';
import type { MigrationProgress } from './migration-progress.ts';
import type {
  AgentControl,
  AgentHealthReport,
  BusHealthEntry,
  ModerationEntry,
  PlatformOpsDelta,
} from './ops-delta.ts';

export interface LatencySummary {
  count: number;
  sum_ms: number;
  p50_ms: number | null;
  p95_ms: number | null;
  max_ms: number;
}

export interface AgentIntentStats {
  agent: string;
  intent: string;
  count: number;
  errors: number;
  retries: number;
  dead_lettered: number;
  deferred: number;
  overloaded: number;
  /** Deliveries the agent's input filter refused; they never ran, so they are not in `count`. */
  filtered: number;
  /** Since the ledger began. */
  latency: LatencySummary;
  /** Over the last `window_minutes`. */
  recent: { count: number; errors: number; latency: LatencySummary };
}

/** One agent's health across the isolates heard from recently. */
export interface AgentHealthSummary {
  agent: string;
  worker: string;
  /** The operator's control wins; otherwise the worst state any recent isolate reports. */
  state: HealthState;
  ready: boolean;
  live: boolean;
  reason?: string;
  in_flight: number;
  isolates: number;
  control?: AgentControl;
  reports: Array<AgentHealthReport & { isolate: string; seen_at: number }>;
}

export interface QueueStats {
  queue: string;
  produced: number;
  read: number;
  /** Messages that left the queue: acked, dead-lettered, deferred (re-sent as a new message), fanned out. */
  settled: number;
  retried: number;
  deferred: number;
  dead_lettered: number;
  /** max(0, produced − settled) from our own counters; see `depth_source`. */
  depth_estimate: number;
  /** The platform's own backlog figure, when a consumer batch or a send reported one. */
  backlog: { messages: number; at: number } | null;
  /** The depth to show: the platform's backlog when reported in the last 5 minutes, else the estimate. */
  depth: number;
  depth_source: 'platform' | 'estimate';
}

export interface PlatformOpsStats extends PlatformOpsDelta {
  worker: string;
}

export interface PlatformOpsSummary {
  by_worker: PlatformOpsStats[];
  total: PlatformOpsDelta;
  /** Each operation divided by messages processed (null before any message). */
  per_message: Record<
    Exclude<
      keyof PlatformOpsDelta,
      | 'messages_processed'
      | 'embed_cache_hits'
      | 'embed_cache_misses'
      | 'dual_write_failed_documents'
      | 'dual_write_failed_vectors'
    >,
    number
  > | null;
  /** Embedding cache hits / (hits + misses) over all Workers (null before any embed call). */
  embed_cache_hit_rate: number | null;
}

export interface MinutePoint {
  minute: number;
  agent: string;
  intent: string;
  count: number;
  errors: number;
  p50_ms: number | null;
  p95_ms: number | null;
}

/** The LLM gateway's totals (shared/ops/gateway-metrics.ts), merged across isolates and gateway objects. */
export interface LlmGatewayStats {
  models: Array<{
    model: string;
    transport: 'ws' | 'http' | 'agent';
    requests: number;
    completed: number;
    errors: number;
    dropped: number;
    prompt_tokens: number;
    completion_tokens: number;
    finish_reasons: Record<string, number>;
  }>;
  tools: Array<{ tool: string; invocations: number; errors: number; latency: LatencySummary }>;
  /** Summed over sources heard from within the isolate TTL. */
  connections: number;
  in_flight: number;
  sources: number;
}

export interface LedgerSnapshot {
  generated_at: number;
  window_minutes: number;
  agents: AgentIntentStats[];
  health: AgentHealthSummary[];
  bus_health: Array<BusHealthEntry & { seen_at: number }>;
  queues: QueueStats[];
  dead_letters: Array<{ provider: string; tenant: string; depth: number; updated_at: number }>;
  platform_ops: PlatformOpsSummary;
  controls: AgentControl[];
  series: MinutePoint[];
  llm?: LlmGatewayStats;
  /** Each tenant's newest moderation notices, newest first. */
  moderation?: ModerationEntry[];
  /** Online migrations per tenant, newest report first (`errors` is the total over all reports). */
  migrations?: MigrationProgress[];
}

const SEVERITY: Record<HealthState, number> = { RUNNING: 0, INIT: 1, DEGRADED: 2, PAUSED: 3, STOPPED: 4 };

/** Merges one agent's per-isolate reports: worst state, ready and live only if every isolate is. */
export function mergeAgentHealth(
  agent: string,
  worker: string,
  reports: AgentHealthSummary['reports'],
  control: AgentControl | undefined,
): AgentHealthSummary {
  const worst = [...reports].sort((a, b) => SEVERITY[b.state] - SEVERITY[a.state])[0];
  const state: HealthState =
    control?.state === 'paused'
      ? 'PAUSED'
      : control?.state === 'stopped'
        ? 'STOPPED'
        : (worst?.state ?? 'INIT');
  const reason = control?.reason ?? worst?.reason;
  return {
    agent,
    worker,
    state,
    ready: reports.every((r) => r.ready),
    live: reports.every((r) => r.live),
    ...(reason !== undefined && { reason }),
    in_flight: reports.reduce((n, r) => n + r.in_flight, 0),
    isolates: reports.length,
    ...(control && { control }),
    reports,
  };
}

/** The share of embedded texts the cache answered, from totals; null before any embed call. */
export function embedCacheHitRate(total: PlatformOpsDelta): number | null {
  const lookups = total.embed_cache_hits + total.embed_cache_misses;
  return lookups === 0 ? null : Math.round((total.embed_cache_hits / lookups) * 10_000) / 10_000;
}

/** Operations per processed message, from totals. */
export function perMessage(total: PlatformOpsDelta): PlatformOpsSummary['per_message'] {
  const n = total.messages_processed;
  if (n === 0) return null;
  const round = (v: number) => Math.round((v / n) * 1000) / 1000;
  return {
    worker_invocations: round(total.worker_invocations),
    queue_writes: round(total.queue_writes),
    queue_reads: round(total.queue_reads),
    durable_object_requests: round(total.durable_object_requests),
    store_writes: round(total.store_writes),
  };
}
