/**
 * One isolate's counters since its last flush: per agent and intent (count, errors, latency sketch),
 * per queue (produced, read, settled, platform backlog), the platform operations it caused, health events
 * it saw on the bus and dead-letter depths it learned. `takeDelta()` hands them over and starts afresh;
 * `restore()` puts a delta back when its flush failed, so nothing counted is lost.
 */
import type { Envelope } from '@promethean/schemas/envelope';
import { ReembedProgressReport } from '@promethean/schemas/jobs/reembed';
import { StoreMoveProgressReport } from '@promethean/schemas/jobs/store-move';
import { ModerationNotice } from '@promethean/schemas/ops/moderation-notice';
import { Health } from '@promethean/schemas/ops/ops-messages';
import { traceIdOf } from '../agent/envelope-factory.ts';
import type { SettledMessage } from '../broker/queue-consumer-router.ts';
import { GatewayMetrics } from './gateway-metrics.ts';
import { LatencySketch } from './latency-sketch.ts';
import { type MigrationProgress, mergeMigrationProgress, migrationKey } from './migration-progress.ts';
import type {
  AgentHealthReport,
  AgentIntentDelta,
  BusHealthEntry,
  DeadLetterDepth,
  ModerationEntry,
  OpsDelta,
  PlatformOpsDelta,
  QueueDelta,
} from './ops-delta.ts';
import { type TraceHop, traceHopOf } from './trace-hops.ts';

type AgentIntentCounts = Omit<AgentIntentDelta, 'latency'> & { latency: LatencySketch };
type QueueCounts = QueueDelta;

/**
 * Hops kept per flush at most: a flush follows every batch, so this only bounds a runaway isolate. Hops
 * are a diagnostic record, not data: beyond the bound the newest are kept.
 */
export const MAX_HOPS_PER_DELTA = 2_000;

const zeroOps = (): PlatformOpsDelta => ({
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
});

/** Settlements after which the message is gone from its queue (a delete in the platform's terms). */
const LEAVES_QUEUE = new Set(['ack', 'dead_letter', 'deferred', 'fanout', 'no_subscriber', 'filtered']);

export class OpsRecorder {
  #agents = new Map<string, AgentIntentCounts>();
  #queues = new Map<string, QueueCounts>();
  #ops = zeroOps();
  #busHealth = new Map<string, BusHealthEntry>();
  #deadLetters = new Map<string, DeadLetterDepth>();
  /** The LLM gateway's counters in this isolate (the HTTP bridge) or gateway object (the WebSocket). */
  readonly gateway = new GatewayMetrics();
  #hops: TraceHop[] = [];
  #moderation = new Map<string, ModerationEntry>();
  #migrations = new Map<string, MigrationProgress>();

  /** A Worker entry point ran (queue batch, HTTP request, cron tick). */
  invocation(): void {
    this.#ops.worker_invocations++;
  }

  /** A consumer received `n` messages from `queue`; `backlog` is the platform's figure if it gave one. */
  queueRead(queue: string, n: number, backlog?: { messages: number; at: number }): void {
    this.#ops.queue_reads += n;
    const q = this.#queue(queue);
    q.read += n;
    if (backlog) q.backlog = backlog;
  }

  /** A producer wrote `n` messages to `queue`. */
  queueWrite(queue: string, n: number, backlog?: { messages: number; at: number }): void {
    this.#ops.queue_writes += n;
    const q = this.#queue(queue);
    q.produced += n;
    if (backlog) q.backlog = backlog;
  }

  durableObjectRequest(n = 1): void {
    this.#ops.durable_object_requests += n;
  }

  /** Records (documents, vectors, blobs) written to a store. */
  storeWrite(n: number): void {
    this.#ops.store_writes += n;
  }

  /** A dual-write's second write failed: `n` documents or vectors wait for the migration's tail to copy them. */
  dualWriteFailed(store: 'documents' | 'vectors', n: number): void {
    if (store === 'documents') this.#ops.dual_write_failed_documents += n;
    else this.#ops.dual_write_failed_vectors += n;
  }

  /** One `embed` call through the embedding cache: texts found in it, and texts embedded by the model. */
  embedCache(lookup: { hits: number; misses: number }): void {
    this.#ops.embed_cache_hits += lookup.hits;
    this.#ops.embed_cache_misses += lookup.misses;
  }

  /** Counts one message the router settled: queue outcome, and for agents that ran, count/errors/latency. */
  settled(m: SettledMessage): void {
    // One delivery several agents shared is one message for the queue: its own record counts it.
    if (!m.shared) {
      this.#ops.messages_processed++;
      const q = this.#queue(m.queue);
      if (m.settlement === 'retry') q.retried++;
      if (m.settlement === 'dead_letter') q.dead_lettered++;
      if (m.settlement === 'deferred') q.deferred++;
      if (LEAVES_QUEUE.has(m.settlement)) q.acked++;
    }
    if (m.agent === undefined || m.intent === undefined || m.outcome === undefined) return;
    if (m.outcome === 'skipped') return;
    const a = this.#agentIntent(m.agent, m.intent);
    if (m.outcome === 'filtered') {
      // Delivered and refused by the agent's input filter: a counter, never a hop or a latency.
      a.filtered++;
      return;
    }
    const heldBack = m.outcome === 'overloaded' || m.outcome === 'paused' || m.outcome === 'stopped';
    if (!heldBack) {
      // The handler ran: it counts, with its latency, whatever came of it.
      a.count++;
      if (m.latencyMs !== undefined) a.latency.record(m.latencyMs);
      if (m.outcome === 'failed' || m.outcome === 'retry') a.errors++;
      if (m.settlement === 'retry') a.retries++;
      if (m.settlement === 'dead_letter') a.dead_lettered++;
    }
    if (m.settlement === 'deferred') a.deferred++;
    if (m.code === 'overloaded') a.overloaded++;
  }

  /** Keeps the newest `health` event per agent, provider and tenant seen on the bus. */
  busHealth(envelope: Envelope): void {
    if (envelope.intent !== Health.intent) return;
    const parsed = Health.payload.safeParse(envelope.payload);
    if (!parsed.success) return;
    const p = parsed.data;
    const shard = typeof p.details.shard === 'number' ? `:${p.details.shard}` : '';
    const key = `${p.agent}:${envelope.provider}:${envelope.tenant}${shard}`;
    const previous = this.#busHealth.get(key);
    if (previous && previous.ts > envelope.ts) return;
    this.#busHealth.set(key, {
      agent: p.agent,
      src: envelope.src,
      provider: envelope.provider,
      tenant: envelope.tenant,
      state: p.state,
      ready: p.ready,
      live: p.live,
      ...(p.reason !== undefined && { reason: p.reason }),
      details: p.details,
      ts: envelope.ts,
    });
  }

  /** An agent started handling `envelope`: one hop of its trace. */
  hop(agent: string, envelope: Envelope): void {
    this.#hops.push(traceHopOf(agent, envelope));
    if (this.#hops.length > MAX_HOPS_PER_DELTA) this.#hops.splice(0, this.#hops.length - MAX_HOPS_PER_DELTA);
  }

  /** Keeps a moderation.notice seen on the bus (by id: a redelivered notice is one entry). */
  moderation(envelope: Envelope): void {
    if (envelope.intent !== ModerationNotice.intent) return;
    const parsed = ModerationNotice.payload.safeParse(envelope.payload);
    if (!parsed.success) return;
    const p = parsed.data;
    this.#moderation.set(envelope.id, {
      id: envelope.id,
      provider: envelope.provider,
      tenant: envelope.tenant,
      ts: envelope.ts,
      agent: p.agent,
      kind: p.kind,
      source_urn: p.source_urn,
      detail: p.detail,
      ...(p.count !== undefined && { count: p.count }),
      trace: traceIdOf(envelope),
    });
  }

  /** The current number of letters in one tenant's dead-letter archive. */
  deadLetterDepth(provider: string, tenant: string, depth: number): void {
    this.#deadLetters.set(`${provider}/${tenant}`, { provider, tenant, depth });
  }

  /** A migration's progress after a step (newest wins) and the errors it met (added up). */
  migration(progress: MigrationProgress): void {
    const key = migrationKey(progress);
    const before = this.#migrations.get(key);
    this.#migrations.set(key, before ? mergeMigrationProgress(before, progress) : progress);
  }

  /** A store-mover agent's progress report seen on the bus, as the migration's progress. */
  storeMoveProgress(envelope: Envelope): void {
    if (envelope.intent !== StoreMoveProgressReport.intent) return;
    const parsed = StoreMoveProgressReport.payload.safeParse(envelope.payload);
    if (!parsed.success) return;
    const p = parsed.data;
    const ms = (iso: string) => (Number.isFinite(Date.parse(iso)) ? Date.parse(iso) : 0);
    this.migration({
      provider: envelope.provider,
      tenant: envelope.tenant,
      kind: 'store-move',
      id: p.migration_id,
      phase: p.phase,
      from: p.from,
      to: p.to,
      goal: p.goal,
      paused: p.paused,
      total: p.total,
      copied: p.copied,
      cdc_events: p.cdc_events,
      cdc_applied: p.cdc_applied,
      lag: p.lag,
      ...(p.verification && { verification: p.verification }),
      errors: 0,
      started_at: ms(p.started_at),
      updated_at: ms(p.updated_at),
    });
  }

  /** A reembedder agent's progress report seen on the bus, as the migration's progress. */
  reembedProgress(envelope: Envelope): void {
    if (envelope.intent !== ReembedProgressReport.intent) return;
    const parsed = ReembedProgressReport.payload.safeParse(envelope.payload);
    if (!parsed.success) return;
    const { migration_id, seq: _seq, more: _more, started_at, updated_at, ...figures } = parsed.data;
    const ms = (iso: string) => (Number.isFinite(Date.parse(iso)) ? Date.parse(iso) : 0);
    this.migration({
      provider: envelope.provider,
      tenant: envelope.tenant,
      kind: 'reembed',
      id: migration_id,
      ...figures,
      errors: 0,
      started_at: ms(started_at),
      updated_at: ms(updated_at),
    });
  }

  /** True when nothing was counted since the last `takeDelta()`. */
  isEmpty(): boolean {
    return (
      this.#agents.size === 0 &&
      this.#queues.size === 0 &&
      this.#busHealth.size === 0 &&
      this.#deadLetters.size === 0 &&
      this.gateway.isEmpty() &&
      this.#hops.length === 0 &&
      this.#moderation.size === 0 &&
      this.#migrations.size === 0 &&
      Object.values(this.#ops).every((n) => n === 0)
    );
  }

  /** Hands over everything counted so far (plus the given health reports) and starts from zero. */
  takeDelta(o: { worker: string; isolate: string; at: number; health: AgentHealthReport[] }): OpsDelta {
    const delta: OpsDelta = {
      v: 1,
      worker: o.worker,
      isolate: o.isolate,
      at: o.at,
      agents: [...this.#agents.values()].map((a) => ({ ...a, latency: a.latency.toJSON() })),
      queues: [...this.#queues.values()].map((q) => ({ ...q })),
      ops: { ...this.#ops },
      health: o.health,
      bus_health: [...this.#busHealth.values()],
      dead_letters: [...this.#deadLetters.values()],
      ...(!this.gateway.isEmpty() && { gateway: this.gateway.take() }),
      hops: this.#hops,
      moderation: [...this.#moderation.values()],
      migrations: [...this.#migrations.values()],
    };
    this.#agents = new Map();
    this.#queues = new Map();
    this.#ops = zeroOps();
    this.#busHealth = new Map();
    this.#deadLetters = new Map();
    this.#hops = [];
    this.#moderation = new Map();
    this.#migrations = new Map();
    return delta;
  }

  /** Adds a delta whose flush failed back in, so the next flush carries it. */
  restore(delta: OpsDelta): void {
    for (const d of delta.agents) {
      const a = this.#agentIntent(d.agent, d.intent);
      a.count += d.count;
      a.errors += d.errors;
      a.retries += d.retries;
      a.dead_lettered += d.dead_lettered;
      a.deferred += d.deferred;
      a.overloaded += d.overloaded;
      a.filtered += d.filtered ?? 0;
      a.latency.merge(d.latency);
    }
    for (const d of delta.queues) {
      const q = this.#queue(d.queue);
      q.produced += d.produced;
      q.read += d.read;
      q.acked += d.acked;
      q.retried += d.retried;
      q.deferred += d.deferred;
      q.dead_lettered += d.dead_lettered;
      if (d.backlog && (!q.backlog || q.backlog.at < d.backlog.at)) q.backlog = d.backlog;
    }
    for (const [k, v] of Object.entries(delta.ops) as Array<[keyof PlatformOpsDelta, number]>)
      this.#ops[k] += v;
    for (const h of delta.bus_health) {
      const shard = typeof h.details.shard === 'number' ? `:${h.details.shard}` : '';
      const key = `${h.agent}:${h.provider}:${h.tenant}${shard}`;
      if (!this.#busHealth.has(key)) this.#busHealth.set(key, h);
    }
    for (const d of delta.dead_letters) {
      const key = `${d.provider}/${d.tenant}`;
      if (!this.#deadLetters.has(key)) this.#deadLetters.set(key, d);
    }
    if (delta.gateway) this.gateway.restore(delta.gateway);
    this.#hops = [...(delta.hops ?? []), ...this.#hops].slice(-MAX_HOPS_PER_DELTA);
    for (const m of delta.moderation ?? []) if (!this.#moderation.has(m.id)) this.#moderation.set(m.id, m);
    for (const m of delta.migrations ?? []) this.migration(m);
  }

  #agentIntent(agent: string, intent: string): AgentIntentCounts {
    const key = `${agent}\u0000${intent}`;
    let a = this.#agents.get(key);
    if (!a) {
      a = {
        agent,
        intent,
        count: 0,
        errors: 0,
        retries: 0,
        dead_lettered: 0,
        deferred: 0,
        overloaded: 0,
        filtered: 0,
        latency: new LatencySketch(),
      };
      this.#agents.set(key, a);
    }
    return a;
  }

  #queue(queue: string): QueueCounts {
    let q = this.#queues.get(queue);
    if (!q) {
      q = { queue, produced: 0, read: 0, acked: 0, retried: 0, deferred: 0, dead_lettered: 0 };
      this.#queues.set(queue, q);
    }
    return q;
  }
}
