/**
 * What an isolate sends the ops ledger once per batch (and on each cron tick): counters since its last
 * flush, its agents' health, and health events it saw on the bus. Validated at the ledger's RPC boundary.
 */
import { HealthState } from '@promethean/schemas/ops/ops-messages';
import { z } from 'zod';
import { GatewayMetricsDelta } from './gateway-metrics.ts';
import { MigrationProgress } from './migration-progress.ts';
import { TraceHop } from './trace-hops.ts';

const count = z.number().int().nonnegative();

export const SketchDataSchema = z.object({
  zero: count,
  buckets: z.record(z.string().regex(/^-?\d+$/), count),
  count,
  sum: z.number().nonnegative(),
  max: z.number().nonnegative(),
});

/** Per agent and intent: what its invocations did since the last flush. */
export const AgentIntentDelta = z.object({
  agent: z.string().min(1),
  intent: z.string().min(1),
  /** Invocations that ran the handler (any outcome). */
  count,
  /** Invocations that failed (dead-lettered at once) or will be retried. */
  errors: count,
  retries: count,
  dead_lettered: count,
  /** Messages held back without running: overloaded, paused or stopped. */
  deferred: count,
  overloaded: count,
  /**
   * Deliveries the agent's input filter (`when` in agent.yml) refused: never invoked, so not in `count`
   * (absent from older isolates).
   */
  filtered: count.default(0),
  latency: SketchDataSchema,
});
export type AgentIntentDelta = z.infer<typeof AgentIntentDelta>;

/** Per queue: messages written (produced) and what consumers did with the ones they read. */
export const QueueDelta = z.object({
  queue: z.string().min(1),
  produced: count,
  read: count,
  acked: count,
  retried: count,
  deferred: count,
  dead_lettered: count,
  /** The platform's own backlog figure (batch or send metadata) when it reported one. */
  backlog: z.object({ messages: count, at: z.number().int().nonnegative() }).optional(),
});
export type QueueDelta = z.infer<typeof QueueDelta>;

/** Cloudflare operations this isolate caused; what each processed message costs is derived from these. */
export const PlatformOpsDelta = z.object({
  worker_invocations: count,
  queue_writes: count,
  queue_reads: count,
  durable_object_requests: count,
  store_writes: count,
  messages_processed: count,
  /** Texts the embedding cache answered, and texts it had to send to the model (absent from older isolates). */
  embed_cache_hits: count.default(0),
  embed_cache_misses: count.default(0),
  /**
   * Second writes of a migration's dual-write that failed (the first write landed; the change-log tail of the
   * migration copies them later), per store kind (absent from older isolates).
   */
  dual_write_failed_documents: count.default(0),
  dual_write_failed_vectors: count.default(0),
});
export type PlatformOpsDelta = z.infer<typeof PlatformOpsDelta>;

/** One agent's health as this isolate sees it (see `AgentHealth.report()`). */
export const AgentHealthReport = z.object({
  agent: z.string().min(1),
  kind: z.enum(['provider-access', 'stateless-worker']),
  version: z.string(),
  state: HealthState,
  ready: z.boolean(),
  live: z.boolean(),
  reason: z.string().optional(),
  last_progress_at: z.string().nullable(),
  handled: count,
  errors: count,
  in_flight: count,
  interval_ms: z.number().int().positive(),
  liveness_timeout_ms: z.number().int().positive(),
});
export type AgentHealthReport = z.infer<typeof AgentHealthReport>;

/** A `health` event seen on the bus (from any agent or Durable Object, any tenant). */
export const BusHealthEntry = z.object({
  agent: z.string().min(1),
  src: z.string().min(1),
  provider: z.string().min(1),
  tenant: z.string().min(1),
  state: HealthState,
  ready: z.boolean(),
  live: z.boolean(),
  reason: z.string().optional(),
  details: z.record(z.string(), z.unknown()),
  ts: z.string(),
});
export type BusHealthEntry = z.infer<typeof BusHealthEntry>;

/** A moderation.notice seen on the bus, as the status page lists it. */
export const ModerationEntry = z.object({
  id: z.string().min(1).max(200),
  provider: z.string().min(1),
  tenant: z.string().min(1),
  ts: z.string(),
  agent: z.string().min(1),
  kind: z.string().min(1),
  source_urn: z.string().min(1),
  detail: z.string().max(500),
  count: z.number().int().positive().optional(),
  trace: z.string().min(1).max(200),
});
export type ModerationEntry = z.infer<typeof ModerationEntry>;

export const DeadLetterDepth = z.object({
  provider: z.string().min(1),
  tenant: z.string().min(1),
  depth: count,
});
export type DeadLetterDepth = z.infer<typeof DeadLetterDepth>;

export const OpsDelta = z.object({
  v: z.literal(1),
  worker: z.string().min(1),
  isolate: z.string().min(1),
  /** When the delta was taken (ms since epoch); the ledger files it under this minute. */
  at: z.number().int().nonnegative(),
  agents: z.array(AgentIntentDelta),
  queues: z.array(QueueDelta),
  ops: PlatformOpsDelta,
  health: z.array(AgentHealthReport),
  bus_health: z.array(BusHealthEntry),
  /** Absolute depths (gauges) of dead-letter archives touched since the last flush. */
  dead_letters: z.array(DeadLetterDepth),
  /** The LLM gateway's counters (shared/ops/gateway-metrics.ts), when this isolate or object served any. */
  gateway: GatewayMetricsDelta.optional(),
  /** Which agent handled which envelope, for trace lookups (absent from isolates older than traces). */
  hops: z.array(TraceHop).default([]),
  /** moderation.notice events seen on the bus since the last flush. */
  moderation: z.array(ModerationEntry).default([]),
  /** Online migrations this isolate stepped since the last flush (absent from older isolates). */
  migrations: z.array(MigrationProgress).default([]),
});
export type OpsDelta = z.input<typeof OpsDelta>;

/** An operator's control over an agent, held by the ledger and cached by every isolate. */
export const AgentControl = z.object({
  agent: z.string().min(1),
  state: z.enum(['paused', 'stopped']),
  reason: z.string().optional(),
  at: z.number().int().nonnegative(),
});
export type AgentControl = z.infer<typeof AgentControl>;
