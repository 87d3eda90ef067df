/**
 * OpsLedger: the one Durable Object (a singleton, `OPS_LEDGER.idFromName('global')`) where every isolate
 * of both Workers flushes its counters once per batch, and where operators' agent controls live. It owns
 * the deployment's operational record: per agent/intent counts and latency sketches (lifetime and per
 * minute for an hour), merged agent health, queue counters, platform operations, dead-letter depths.
 */
import { DurableObject } from 'cloudflare:workers';
import { LatencySketch, type SketchData } from '@promethean/shared/ops/latency-sketch';
import type { LedgerSnapshot } from '@promethean/shared/ops/ledger-snapshot';
import { AgentControl, type AgentHealthReport, OpsDelta } from '@promethean/shared/ops/ops-delta';
import type { TraceHop } from '@promethean/shared/ops/trace-hops';
import { ensureSchema, runSql } from '@promethean/shared/platform/durable-sql';
import { z } from 'zod';
import {
  listMigrations,
  MIGRATION_PROGRESS_MIGRATION,
  recordMigrations,
  sweepMigrations,
} from './ledger-migrations.ts';
import {
  MODERATION_MIGRATION,
  recentModeration,
  recordModeration,
  sweepModeration,
} from './ledger-moderation.ts';
import { buildSnapshot } from './ledger-snapshot-builder.ts';
import { recordHops, sweepHops, TRACE_HOPS_MIGRATION, traceHops } from './ledger-traces.ts';

const MIGRATIONS = [
  `CREATE TABLE agent_intents (agent TEXT NOT NULL, intent TEXT NOT NULL, count INTEGER NOT NULL,
     errors INTEGER NOT NULL, retries INTEGER NOT NULL, dead_lettered INTEGER NOT NULL,
     deferred INTEGER NOT NULL, overloaded INTEGER NOT NULL, sketch TEXT NOT NULL,
     PRIMARY KEY (agent, intent));
   CREATE TABLE agent_minutes (minute INTEGER NOT NULL, agent TEXT NOT NULL, intent TEXT NOT NULL,
     count INTEGER NOT NULL, errors INTEGER NOT NULL, sketch TEXT NOT NULL,
     PRIMARY KEY (minute, agent, intent));
   CREATE TABLE queues (queue TEXT PRIMARY KEY, produced INTEGER NOT NULL, read INTEGER NOT NULL,
     acked INTEGER NOT NULL, retried INTEGER NOT NULL, deferred INTEGER NOT NULL,
     dead_lettered INTEGER NOT NULL, backlog INTEGER, backlog_at INTEGER);
   CREATE TABLE platform_ops (worker TEXT PRIMARY KEY, worker_invocations INTEGER NOT NULL,
     queue_writes INTEGER NOT NULL, queue_reads INTEGER NOT NULL, durable_object_requests INTEGER NOT NULL,
     store_writes INTEGER NOT NULL, messages_processed INTEGER NOT NULL);
   CREATE TABLE isolates (worker TEXT NOT NULL, isolate TEXT NOT NULL, seen_at INTEGER NOT NULL,
     health TEXT NOT NULL, PRIMARY KEY (worker, isolate));
   CREATE TABLE bus_health (key TEXT PRIMARY KEY, ts TEXT NOT NULL, seen_at INTEGER NOT NULL, entry TEXT NOT NULL);
   CREATE TABLE dead_letters (provider TEXT NOT NULL, tenant TEXT NOT NULL, depth INTEGER NOT NULL,
     updated_at INTEGER NOT NULL, PRIMARY KEY (provider, tenant));
   CREATE TABLE agent_controls (agent TEXT PRIMARY KEY, state TEXT NOT NULL, reason TEXT, at INTEGER NOT NULL)`,
  `ALTER TABLE platform_ops ADD COLUMN embed_cache_hits INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE platform_ops ADD COLUMN embed_cache_misses INTEGER NOT NULL DEFAULT 0`,
  // The LLM gateway (issue 15): per model and transport, per tool, and each source's current gauges.
  `CREATE TABLE llm_models (model TEXT NOT NULL, transport TEXT NOT NULL, requests INTEGER NOT NULL,
     completed INTEGER NOT NULL, errors INTEGER NOT NULL, dropped INTEGER NOT NULL,
     prompt_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL, finish_reasons TEXT NOT NULL,
     PRIMARY KEY (model, transport));
   CREATE TABLE llm_tools (tool TEXT PRIMARY KEY, invocations INTEGER NOT NULL, errors INTEGER NOT NULL,
     sketch TEXT NOT NULL);
   CREATE TABLE llm_gauges (source TEXT PRIMARY KEY, connections INTEGER NOT NULL, in_flight INTEGER NOT NULL,
     at INTEGER NOT NULL)`,
  TRACE_HOPS_MIGRATION,
  MODERATION_MIGRATION,
  MIGRATION_PROGRESS_MIGRATION,
  `ALTER TABLE platform_ops ADD COLUMN dual_write_failed_documents INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE platform_ops ADD COLUMN dual_write_failed_vectors INTEGER NOT NULL DEFAULT 0`,
  // Deliveries an agent's input filter refused (`when` in agent.yml): counted, never invoked, no hop.
  'ALTER TABLE agent_intents ADD COLUMN filtered INTEGER NOT NULL DEFAULT 0',
];

/** Isolates not heard from for this long no longer count toward health or in-flight work. */
export const ISOLATE_TTL_MS = 5 * 60_000;
const KEEP_MINUTES = 60;
const KEEP_BUS_HEALTH_MS = 24 * 60 * 60_000;
/**
 * Retention sweeps run at most this often. Every flush of every isolate (one per queue batch) used to run
 * all eleven DELETEs; under a burst that was most of the ledger's CPU. Rows live for minutes to a day, so
 * sweeping once a minute keeps the same bounds give or take a minute.
 */
export const SWEEP_EVERY_MS = 60_000;

const ControlInput = z.object({
  agent: z.string().regex(/^[a-z][a-z0-9-]{1,62}$/, 'must be an agent id'),
  state: z.enum(['paused', 'stopped', 'running']),
  reason: z.string().max(500).optional(),
});
export type ControlInput = z.input<typeof ControlInput>;

function merged(json: string | undefined, add: SketchData): string {
  const sketch = json ? LatencySketch.from(JSON.parse(json) as SketchData) : new LatencySketch();
  sketch.merge(add);
  return JSON.stringify(sketch);
}

export class OpsLedger extends DurableObject<FunctionsEnv> {
  /** When this instance last swept (an evicted ledger sweeps on its first flush). */
  #sweptAt = Number.NEGATIVE_INFINITY;

  constructor(ctx: DurableObjectState, env: FunctionsEnv) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => ensureSchema(ctx.storage, MIGRATIONS));
  }

  /**
   * Folds one isolate's delta into the totals (one transaction); answers with the current controls.
   * A delta that fails validation is refused as a value (`refused`), so the sender can drop it instead
   * of retrying a delta that can never be accepted.
   */
  async record(input: unknown): Promise<{ controls: AgentControl[] } | { refused: string }> {
    const parsed = OpsDelta.safeParse(input);
    if (!parsed.success)
      return {
        refused: `invalid ops delta: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      };
    const delta = parsed.data;
    const now = Date.now();
    this.ctx.storage.transactionSync(() => {
      this.#recordAgents(delta);
      this.#recordQueues(delta);
      this.#recordOps(delta);
      this.#recordHealth(delta, now);
      if (delta.gateway) this.#recordGateway(delta.gateway);
      recordHops(this.ctx.storage, delta.hops, now);
      recordModeration(this.ctx.storage, delta.moderation, now);
      recordMigrations(this.ctx.storage, delta.migrations);
      if (now - this.#sweptAt >= SWEEP_EVERY_MS) {
        this.#sweep(now);
        this.#sweptAt = now;
      }
    });
    return { controls: this.controls() };
  }

  controls(): AgentControl[] {
    return runSql<{ agent: string; state: string; reason: string | null; at: number }>(
      this.ctx.storage,
      'SELECT agent, state, reason, at FROM agent_controls ORDER BY agent',
    ).map((r) =>
      AgentControl.parse({ agent: r.agent, state: r.state, at: r.at, ...(r.reason && { reason: r.reason }) }),
    );
  }

  /** Pauses, stops or resumes (`running`) an agent; answers with every control now in force. */
  setControl(input: unknown): AgentControl[] {
    const c = ControlInput.parse(input);
    if (c.state === 'running') {
      runSql(this.ctx.storage, 'DELETE FROM agent_controls WHERE agent = ?', c.agent);
    } else {
      runSql(
        this.ctx.storage,
        `INSERT INTO agent_controls (agent, state, reason, at) VALUES (?, ?, ?, ?)
         ON CONFLICT (agent) DO UPDATE SET state = excluded.state, reason = excluded.reason, at = excluded.at`,
        c.agent,
        c.state,
        c.reason ?? null,
        Date.now(),
      );
    }
    return this.controls();
  }

  /** Sets one tenant's dead-letter depth (the archive's exact count after a store, replay or purge). */
  setDeadLetterDepth(provider: string, tenant: string, depth: number): void {
    const input = z
      .object({
        provider: z.string().min(1),
        tenant: z.string().min(1),
        depth: z.number().int().nonnegative(),
      })
      .parse({ provider, tenant, depth });
    this.#upsertDeadLetters([input], Date.now());
  }

  /** The hops of one tenant's trace that `id` (any envelope id in it, or the trace id) belongs to. */
  lookupTrace(provider: string, tenant: string, id: string): TraceHop[] {
    const input = z
      .object({ provider: z.string().min(1), tenant: z.string().min(1), id: z.string().min(1).max(200) })
      .parse({ provider, tenant, id });
    return traceHops(this.ctx.storage, input.provider, input.tenant, input.id);
  }

  /** Everything the ledger knows, merged across isolates and Workers. */
  snapshot(): LedgerSnapshot {
    return {
      ...buildSnapshot(this.ctx.storage, Date.now(), ISOLATE_TTL_MS, this.controls()),
      moderation: recentModeration(this.ctx.storage),
      migrations: listMigrations(this.ctx.storage),
    };
  }

  #recordAgents(delta: OpsDelta): void {
    const minute = Math.floor(delta.at / 60_000);
    for (const a of delta.agents) {
      const total = runSql<{ sketch: string }>(
        this.ctx.storage,
        'SELECT sketch FROM agent_intents WHERE agent = ? AND intent = ?',
        a.agent,
        a.intent,
      )[0];
      runSql(
        this.ctx.storage,
        `INSERT INTO agent_intents VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (agent, intent) DO UPDATE SET count = count + excluded.count,
           errors = errors + excluded.errors, retries = retries + excluded.retries,
           dead_lettered = dead_lettered + excluded.dead_lettered, deferred = deferred + excluded.deferred,
           overloaded = overloaded + excluded.overloaded, sketch = excluded.sketch,
           filtered = filtered + excluded.filtered`,
        a.agent,
        a.intent,
        a.count,
        a.errors,
        a.retries,
        a.dead_lettered,
        a.deferred,
        a.overloaded,
        merged(total?.sketch, a.latency),
        a.filtered ?? 0,
      );
      const inMinute = runSql<{ sketch: string }>(
        this.ctx.storage,
        'SELECT sketch FROM agent_minutes WHERE minute = ? AND agent = ? AND intent = ?',
        minute,
        a.agent,
        a.intent,
      )[0];
      runSql(
        this.ctx.storage,
        `INSERT INTO agent_minutes VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (minute, agent, intent) DO UPDATE SET count = count + excluded.count,
           errors = errors + excluded.errors, sketch = excluded.sketch`,
        minute,
        a.agent,
        a.intent,
        a.count,
        a.errors,
        merged(inMinute?.sketch, a.latency),
      );
    }
  }

  #recordGateway(g: NonNullable<OpsDelta['gateway']>): void {
    for (const m of g.models) {
      const before = runSql<{ finish_reasons: string }>(
        this.ctx.storage,
        'SELECT finish_reasons FROM llm_models WHERE model = ? AND transport = ?',
        m.model,
        m.transport,
      )[0];
      const reasons = before ? (JSON.parse(before.finish_reasons) as Record<string, number>) : {};
      for (const [k, v] of Object.entries(m.finish_reasons)) reasons[k] = (reasons[k] ?? 0) + v;
      runSql(
        this.ctx.storage,
        `INSERT INTO llm_models VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (model, transport) DO UPDATE SET requests = requests + excluded.requests,
           completed = completed + excluded.completed, errors = errors + excluded.errors,
           dropped = dropped + excluded.dropped, prompt_tokens = prompt_tokens + excluded.prompt_tokens,
           completion_tokens = completion_tokens + excluded.completion_tokens,
           finish_reasons = excluded.finish_reasons`,
        m.model,
        m.transport,
        m.requests,
        m.completed,
        m.errors,
        m.dropped,
        m.prompt_tokens,
        m.completion_tokens,
        JSON.stringify(reasons),
      );
    }
    for (const t of g.tools) {
      const before = runSql<{ sketch: string }>(
        this.ctx.storage,
        'SELECT sketch FROM llm_tools WHERE tool = ?',
        t.tool,
      )[0];
      runSql(
        this.ctx.storage,
        `INSERT INTO llm_tools VALUES (?, ?, ?, ?)
         ON CONFLICT (tool) DO UPDATE SET invocations = invocations + excluded.invocations,
           errors = errors + excluded.errors, sketch = excluded.sketch`,
        t.tool,
        t.invocations,
        t.errors,
        merged(before?.sketch, t.latency),
      );
    }
    for (const x of g.gauges)
      runSql(
        this.ctx.storage,
        `INSERT INTO llm_gauges VALUES (?, ?, ?, ?)
         ON CONFLICT (source) DO UPDATE SET connections = excluded.connections,
           in_flight = excluded.in_flight, at = excluded.at WHERE excluded.at >= llm_gauges.at`,
        x.source,
        x.connections,
        x.in_flight,
        x.at,
      );
  }

  #recordQueues(delta: OpsDelta): void {
    for (const q of delta.queues) {
      runSql(
        this.ctx.storage,
        `INSERT INTO queues VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (queue) DO UPDATE SET produced = produced + excluded.produced, read = read + excluded.read,
           acked = acked + excluded.acked, retried = retried + excluded.retried,
           deferred = deferred + excluded.deferred, dead_lettered = dead_lettered + excluded.dead_lettered,
           backlog = CASE WHEN excluded.backlog_at IS NOT NULL AND (backlog_at IS NULL OR excluded.backlog_at >= backlog_at)
                          THEN excluded.backlog ELSE backlog END,
           backlog_at = CASE WHEN excluded.backlog_at IS NOT NULL AND (backlog_at IS NULL OR excluded.backlog_at >= backlog_at)
                          THEN excluded.backlog_at ELSE backlog_at END`,
        q.queue,
        q.produced,
        q.read,
        q.acked,
        q.retried,
        q.deferred,
        q.dead_lettered,
        q.backlog?.messages ?? null,
        q.backlog?.at ?? null,
      );
    }
  }

  #recordOps(delta: OpsDelta): void {
    const o = delta.ops;
    runSql(
      this.ctx.storage,
      `INSERT INTO platform_ops VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (worker) DO UPDATE SET worker_invocations = worker_invocations + excluded.worker_invocations,
         queue_writes = queue_writes + excluded.queue_writes, queue_reads = queue_reads + excluded.queue_reads,
         durable_object_requests = durable_object_requests + excluded.durable_object_requests,
         store_writes = store_writes + excluded.store_writes,
         messages_processed = messages_processed + excluded.messages_processed,
         embed_cache_hits = embed_cache_hits + excluded.embed_cache_hits,
         embed_cache_misses = embed_cache_misses + excluded.embed_cache_misses,
         dual_write_failed_documents = dual_write_failed_documents + excluded.dual_write_failed_documents,
         dual_write_failed_vectors = dual_write_failed_vectors + excluded.dual_write_failed_vectors`,
      delta.worker,
      o.worker_invocations,
      o.queue_writes,
      o.queue_reads,
      o.durable_object_requests,
      o.store_writes,
      o.messages_processed,
      o.embed_cache_hits ?? 0,
      o.embed_cache_misses ?? 0,
      o.dual_write_failed_documents ?? 0,
      o.dual_write_failed_vectors ?? 0,
    );
  }

  #recordHealth(delta: OpsDelta, now: number): void {
    const health: AgentHealthReport[] = delta.health;
    runSql(
      this.ctx.storage,
      `INSERT INTO isolates VALUES (?, ?, ?, ?)
       ON CONFLICT (worker, isolate) DO UPDATE SET seen_at = excluded.seen_at, health = excluded.health`,
      delta.worker,
      delta.isolate,
      now,
      JSON.stringify(health),
    );
    for (const h of delta.bus_health) {
      const shard = typeof h.details.shard === 'number' ? `:${h.details.shard}` : '';
      runSql(
        this.ctx.storage,
        `INSERT INTO bus_health VALUES (?, ?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET ts = excluded.ts, seen_at = excluded.seen_at, entry = excluded.entry
         WHERE excluded.ts >= bus_health.ts`,
        `${h.agent}:${h.provider}:${h.tenant}${shard}`,
        h.ts,
        now,
        JSON.stringify(h),
      );
    }
    this.#upsertDeadLetters(delta.dead_letters, now);
  }

  #upsertDeadLetters(
    depths: ReadonlyArray<{ provider: string; tenant: string; depth: number }>,
    now: number,
  ) {
    for (const d of depths) {
      runSql(
        this.ctx.storage,
        `INSERT INTO dead_letters VALUES (?, ?, ?, ?)
         ON CONFLICT (provider, tenant) DO UPDATE SET depth = excluded.depth, updated_at = excluded.updated_at`,
        d.provider,
        d.tenant,
        d.depth,
        now,
      );
    }
  }

  #sweep(now: number): void {
    runSql(
      this.ctx.storage,
      'DELETE FROM agent_minutes WHERE minute < ?',
      Math.floor(now / 60_000) - KEEP_MINUTES,
    );
    runSql(this.ctx.storage, 'DELETE FROM isolates WHERE seen_at < ?', now - ISOLATE_TTL_MS * 3);
    runSql(this.ctx.storage, 'DELETE FROM bus_health WHERE seen_at < ?', now - KEEP_BUS_HEALTH_MS);
    runSql(this.ctx.storage, 'DELETE FROM llm_gauges WHERE at < ?', now - ISOLATE_TTL_MS * 3);
    sweepHops(this.ctx.storage, now);
    sweepModeration(this.ctx.storage, now);
    sweepMigrations(this.ctx.storage, now);
  }
}
