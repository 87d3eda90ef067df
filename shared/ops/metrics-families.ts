/**
 * The status snapshot as Prometheus metric families: names, help text and labels in one place (the
 * table in docs/operations.md is written from this file). Counters are the ledger's lifetime totals;
 * gauges are current values; latency is a summary (p50/p95 from the mergeable sketch, with _sum/_count).
 */
import { HealthState } from '@promethean/schemas/ops/ops-messages';
import type { AccessTenantStatus } from './access-status.ts';
import { LatencySketch, type SketchData } from './latency-sketch.ts';
import type { MigrationProgress } from './migration-progress.ts';
import type { MetricFamily, Sample } from './prometheus-text.ts';
import type { StatusSnapshot } from './status-snapshot.ts';

const OPERATIONS = [
  'worker_invocations',
  'queue_writes',
  'queue_reads',
  'durable_object_requests',
  'store_writes',
] as const;

function family(name: string, type: MetricFamily['type'], help: string, samples: Sample[]): MetricFamily {
  return { name, type, help, samples };
}

function agentFamilies(s: StatusSnapshot): MetricFamily[] {
  const stats = s.ledger?.agents ?? [];
  const labels = (a: { agent: string; intent: string }) => ({ agent: a.agent, intent: a.intent });
  const counter = (name: string, help: string, pick: (a: (typeof stats)[number]) => number) =>
    family(
      name,
      'counter',
      help,
      stats.map((a) => ({ labels: labels(a), value: pick(a) })),
    );
  const quantiles = (pick: (a: (typeof stats)[number]) => { p50_ms: number | null; p95_ms: number | null }) =>
    stats.flatMap((a) =>
      (
        [
          ['0.5', pick(a).p50_ms],
          ['0.95', pick(a).p95_ms],
        ] as const
      )
        .filter(([, v]) => v !== null)
        .map(([q, v]) => ({ labels: { ...labels(a), quantile: q }, value: v as number })),
    );
  const health = s.ledger?.health ?? [];
  return [
    counter(
      'promethean_agent_invocations_total',
      'Handler runs per agent and intent (any outcome).',
      (a) => a.count,
    ),
    counter('promethean_agent_errors_total', 'Handler runs that failed or will be retried.', (a) => a.errors),
    counter('promethean_agent_retries_total', 'Messages retried after a failure.', (a) => a.retries),
    counter(
      'promethean_agent_dead_letters_total',
      'Messages dead-lettered by the agent.',
      (a) => a.dead_lettered,
    ),
    counter(
      'promethean_agent_deferred_total',
      'Messages held back and re-sent later (overloaded, paused or stopped agent).',
      (a) => a.deferred,
    ),
    counter(
      'promethean_agent_overloaded_total',
      'Messages refused by admission control.',
      (a) => a.overloaded,
    ),
    counter(
      'promethean_agent_filtered_total',
      "Deliveries the agent's input filter refused (never invoked).",
      (a) => a.filtered,
    ),
    family('promethean_agent_latency_ms', 'summary', 'Handler latency since the ledger began (ms).', [
      ...quantiles((a) => a.latency),
      ...stats.flatMap((a) => [
        { labels: labels(a), suffix: '_sum' as const, value: a.latency.sum_ms },
        { labels: labels(a), suffix: '_count' as const, value: a.latency.count },
      ]),
    ]),
    family(
      'promethean_agent_recent_latency_ms',
      'gauge',
      `Handler latency quantiles over the last ${s.ledger?.window_minutes ?? 5} minutes (ms).`,
      quantiles((a) => a.recent.latency),
    ),
    family(
      'promethean_agent_in_flight',
      'gauge',
      'Work in flight per agent, summed over isolates heard from recently.',
      health.map((h) => ({ labels: { agent: h.agent, worker: h.worker }, value: h.in_flight })),
    ),
    family(
      'promethean_agent_state',
      'gauge',
      'Agent health state (1 for the current state).',
      health.flatMap((h) =>
        HealthState.options.map((state) => ({
          labels: { agent: h.agent, worker: h.worker, state },
          value: h.state === state ? 1 : 0,
        })),
      ),
    ),
    family(
      'promethean_agent_ready',
      'gauge',
      'Readiness: 1 when every recent isolate found the dependencies answering.',
      health.map((h) => ({ labels: { agent: h.agent }, value: h.ready ? 1 : 0 })),
    ),
    family(
      'promethean_agent_live',
      'gauge',
      'Liveness: 1 when no recent isolate has work stuck past liveness_timeout_ms.',
      health.map((h) => ({ labels: { agent: h.agent }, value: h.live ? 1 : 0 })),
    ),
  ];
}

function queueFamilies(s: StatusSnapshot): MetricFamily[] {
  const queues = s.ledger?.queues ?? [];
  const counter = (name: string, help: string, pick: (q: (typeof queues)[number]) => number) =>
    family(
      name,
      'counter',
      help,
      queues.map((q) => ({ labels: { queue: q.queue }, value: pick(q) })),
    );
  return [
    counter(
      'promethean_queue_produced_total',
      'Messages written to the queue by instrumented producers.',
      (q) => q.produced,
    ),
    counter(
      'promethean_queue_read_total',
      'Messages delivered to consumers (retries count again).',
      (q) => q.read,
    ),
    counter(
      'promethean_queue_settled_total',
      'Messages that left the queue (acked, dead-lettered, deferred).',
      (q) => q.settled,
    ),
    counter(
      'promethean_queue_retried_total',
      'Messages handed back to the queue for a retry.',
      (q) => q.retried,
    ),
    counter('promethean_queue_deferred_total', 'Messages re-sent later as a new message.', (q) => q.deferred),
    counter(
      'promethean_queue_dead_lettered_total',
      'Messages sent to the dead letters.',
      (q) => q.dead_lettered,
    ),
    family(
      'promethean_queue_depth',
      'gauge',
      'Messages waiting: the platform backlog when reported in the last 5 minutes (source="platform"), else produced minus settled (source="estimate").',
      queues.map((q) => ({ labels: { queue: q.queue, source: q.depth_source }, value: q.depth })),
    ),
    family(
      'promethean_queue_backlog_messages',
      'gauge',
      'The backlog the platform last reported for the queue (consumer batch or send metadata).',
      queues
        .filter((q) => q.backlog)
        .map((q) => ({ labels: { queue: q.queue }, value: q.backlog!.messages })),
    ),
    family(
      'promethean_dead_letters',
      'gauge',
      'Dead letters waiting (not yet replayed) per provider and tenant.',
      (s.ledger?.dead_letters ?? []).map((d) => ({
        labels: { provider: d.provider, tenant: d.tenant },
        value: d.depth,
      })),
    ),
  ];
}

function platformFamilies(s: StatusSnapshot): MetricFamily[] {
  const ops = s.ledger?.platform_ops;
  const perMessage = ops?.per_message;
  return [
    family(
      'promethean_platform_operations_total',
      'counter',
      'Cloudflare operations caused, per Worker: invocations, queue writes/reads, Durable Object requests, store writes.',
      (ops?.by_worker ?? []).flatMap((w) =>
        OPERATIONS.map((operation) => ({ labels: { worker: w.worker, operation }, value: w[operation] })),
      ),
    ),
    family(
      'promethean_messages_processed_total',
      'counter',
      'Queue messages settled by the consumers, per Worker.',
      (ops?.by_worker ?? []).map((w) => ({ labels: { worker: w.worker }, value: w.messages_processed })),
    ),
    family(
      'promethean_embed_cache_lookups_total',
      'counter',
      'Texts the embedding cache answered (hit) or sent to the model (miss), per Worker.',
      (ops?.by_worker ?? []).flatMap((w) => [
        { labels: { worker: w.worker, result: 'hit' }, value: w.embed_cache_hits },
        { labels: { worker: w.worker, result: 'miss' }, value: w.embed_cache_misses },
      ]),
    ),
    family(
      'promethean_dual_write_failures_total',
      'counter',
      "Second writes of a migration's dual-write that failed (documents or vectors), per Worker; the migration's change-log tail copies them.",
      (ops?.by_worker ?? []).flatMap((w) => [
        { labels: { worker: w.worker, store: 'documents' }, value: w.dual_write_failed_documents ?? 0 },
        { labels: { worker: w.worker, store: 'vectors' }, value: w.dual_write_failed_vectors ?? 0 },
      ]),
    ),
    family(
      'promethean_embed_cache_hit_ratio',
      'gauge',
      'Share of embedded texts answered by the embedding cache, over all Workers since the ledger began.',
      ops?.embed_cache_hit_rate != null ? [{ labels: {}, value: ops.embed_cache_hit_rate }] : [],
    ),
    family(
      'promethean_platform_operations_per_message',
      'gauge',
      'Cloudflare operations per processed message, over all Workers since the ledger began.',
      perMessage
        ? OPERATIONS.map((operation) => ({ labels: { operation }, value: perMessage[operation] }))
        : [],
    ),
  ];
}

function accessFamilies(tenants: readonly AccessTenantStatus[]): MetricFamily[] {
  const withRest = tenants.filter((t) => t.rest !== null);
  const t = (x: AccessTenantStatus) => ({ provider: x.provider, tenant: x.tenant });
  const gauge = (name: string, help: string, pick: (r: NonNullable<AccessTenantStatus['rest']>) => number) =>
    family(
      name,
      'gauge',
      help,
      withRest.map((x) => ({ labels: t(x), value: pick(x.rest!) })),
    );
  const sessions = tenants.flatMap((x) => x.realtime.map((r) => ({ x, r })));
  const shard = (x: AccessTenantStatus, shardNo: number) => ({ ...t(x), shard: shardNo });
  return [
    gauge(
      'promethean_rest_buckets',
      'Rate-limit buckets the tenant REST client tracks.',
      (r) => r.buckets.length,
    ),
    gauge(
      'promethean_rest_buckets_exhausted',
      'Buckets with nothing remaining until their reset.',
      (r) => r.buckets.filter((b) => b.remaining === 0 && b.reset_in_ms > 0).length,
    ),
    family(
      'promethean_rest_bucket_remaining',
      'gauge',
      'Requests remaining in each rate-limit bucket.',
      withRest.flatMap((x) =>
        x.rest!.buckets.map((b) => ({ labels: { ...t(x), bucket: b.id }, value: b.remaining })),
      ),
    ),
    gauge(
      'promethean_rest_invalid_requests',
      'Invalid (401/403/429) responses in the current window.',
      (r) => r.budget.invalid_in_window,
    ),
    gauge(
      'promethean_rest_invalid_request_budget',
      'Invalid responses allowed per window before the breaker opens.',
      (r) => r.budget.budget,
    ),
    gauge('promethean_rest_breaker_open', '1 while the invalid-request circuit breaker is open.', (r) =>
      r.budget.breaker_open ? 1 : 0,
    ),
    gauge(
      'promethean_rest_token_disabled',
      '1 after a 401 disabled the tenant token until an operator acts.',
      (r) => (r.token_disabled ? 1 : 0),
    ),
    family(
      'promethean_rest_requests_sent_total',
      'counter',
      'REST requests sent since the tenant REST object started.',
      withRest.map((x) => ({ labels: t(x), value: x.rest!.sent })),
    ),
    family(
      'promethean_rest_rate_limited_total',
      'counter',
      '429 answers received since the tenant REST object started.',
      withRest.map((x) => ({ labels: t(x), value: x.rest!.rate_limited })),
    ),
    family(
      'promethean_gateway_connected',
      'gauge',
      '1 while the realtime session (gateway shard) has an open socket.',
      sessions.map(({ x, r }) => ({ labels: shard(x, r.shard), value: r.connected ? 1 : 0 })),
    ),
    family(
      'promethean_gateway_status',
      'gauge',
      'Realtime session status (1 for the current status).',
      sessions.map(({ x, r }) => ({ labels: { ...shard(x, r.shard), status: r.status }, value: 1 })),
    ),
    family(
      'promethean_gateway_ping_ms',
      'gauge',
      'Heartbeat round trip of the realtime session (ms).',
      sessions
        .filter(({ r }) => r.ping_ms !== null)
        .map(({ x, r }) => ({ labels: shard(x, r.shard), value: r.ping_ms! })),
    ),
    family(
      'promethean_gateway_events_published_total',
      'counter',
      'Events the realtime session published onto the bus.',
      sessions.map(({ x, r }) => ({ labels: shard(x, r.shard), value: r.published })),
    ),
  ];
}

/** Every family, in a stable order; sources that could not be read are reported by `promethean_status_source_up`. */
export function metricFamilies(s: StatusSnapshot): MetricFamily[] {
  return [
    family('promethean_status_source_up', 'gauge', '1 when the source answered for this scrape.', [
      { labels: { source: 'ledger' }, value: s.ledger ? 1 : 0 },
      { labels: { source: 'access' }, value: s.access ? 1 : 0 },
    ]),
    ...agentFamilies(s),
    ...queueFamilies(s),
    ...platformFamilies(s),
    ...accessFamilies(s.access?.tenants ?? []),
    ...llmFamilies(s),
    ...migrationFamilies(s),
  ];
}

/** A store move's last comparison of both stores: only migrations that ran one have these series. */
function verificationFamilies(
  migrations: readonly MigrationProgress[],
  labels: (m: MigrationProgress) => Record<string, string>,
): MetricFamily[] {
  const verified = migrations.filter((m) => m.verification !== undefined);
  const per = (
    name: string,
    help: string,
    pick: (v: NonNullable<MigrationProgress['verification']>) => number,
  ) =>
    family(
      name,
      'gauge',
      help,
      verified.map((m) => ({ labels: labels(m), value: pick(m.verification!) })),
    );
  return [
    per(
      'promethean_migration_documents_verified',
      "Documents equal in both stores at a store move's last verification.",
      (v) => v.verified,
    ),
    per(
      'promethean_migration_documents_differing',
      "Documents that differed (or were in one store only) at a store move's last verification, after a second read.",
      (v) => v.differing,
    ),
    per(
      'promethean_migration_documents_compared',
      "Documents in either store at a store move's last verification.",
      (v) => v.documents,
    ),
    per(
      'promethean_migration_verified_seconds',
      "When a store move's last verification ran (seconds since epoch).",
      (v) => Math.floor(v.at / 1000),
    ),
  ];
}

/** Online migrations (store moves, re-embeds), one series set per tenant migration. */
function migrationFamilies(s: StatusSnapshot): MetricFamily[] {
  const migrations = s.ledger?.migrations ?? [];
  const labels = (m: (typeof migrations)[number]) => ({
    provider: m.provider,
    tenant: m.tenant,
    kind: m.kind,
    id: m.id,
  });
  const per = (
    name: string,
    type: MetricFamily['type'],
    help: string,
    pick: (m: (typeof migrations)[number]) => number,
  ) =>
    family(
      name,
      type,
      help,
      migrations.map((m) => ({ labels: labels(m), value: pick(m) })),
    );
  return [
    family(
      'promethean_migration_phase',
      'gauge',
      'The phase a tenant migration is in (1 for its current phase; from, to and paused as labels).',
      migrations.map((m) => ({
        labels: { ...labels(m), phase: m.phase, from: m.from, to: m.to, paused: m.paused ? 'true' : 'false' },
        value: 1,
      })),
    ),
    per(
      'promethean_migration_documents',
      'gauge',
      'Documents the migration counted when it started.',
      (m) => m.total,
    ),
    per('promethean_migration_backfill_total', 'counter', 'Documents the backfill copied.', (m) => m.copied),
    per(
      'promethean_migration_progress_ratio',
      'gauge',
      'Backfill progress: copied / counted documents (1 when there was nothing to copy).',
      (m) => (m.total > 0 ? Math.min(1, Math.round((m.copied / m.total) * 10_000) / 10_000) : 1),
    ),
    per(
      'promethean_migration_cdc_events_total',
      'counter',
      'Change-log entries the CDC tailer read.',
      (m) => m.cdc_events,
    ),
    per(
      'promethean_migration_cdc_applied_total',
      'counter',
      'Documents the CDC tailer copied (updates of one document coalesced).',
      (m) => m.cdc_applied,
    ),
    per(
      'promethean_migration_cdc_lag',
      'gauge',
      'Change-log entries not yet applied to the other store at the last report.',
      (m) => m.lag,
    ),
    per(
      'promethean_migration_errors_total',
      'counter',
      'Steps of the migration that failed (the step is retried; the error is on the status page).',
      (m) => m.errors,
    ),
    per(
      'promethean_migration_updated_seconds',
      'gauge',
      'When the migration last reported (seconds since epoch).',
      (m) => Math.floor(m.updated_at / 1000),
    ),
    ...verificationFamilies(migrations, labels),
    latencySummary(
      'promethean_migration_embed_latency_ms',
      "A re-embed's own embedding calls (backfill pages, change-log tails, rollback), over its life (ms).",
      (m) => m.latency?.embed_ms,
    ),
    latencySummary(
      'promethean_migration_chroma_upsert_latency_ms',
      "A re-embed's Chroma writes (upsert and add of a page or a tail batch), over its life (ms).",
      (m) => m.latency?.chroma_upsert_ms,
    ),
  ];

  /** A summary per migration that reports the sketch (p50/p95 within 2 %, with _sum and _count). */
  function latencySummary(
    name: string,
    help: string,
    pick: (m: (typeof migrations)[number]) => SketchData | undefined,
  ): MetricFamily {
    const samples: Sample[] = [];
    for (const m of migrations) {
      const data = pick(m);
      if (!data || data.count === 0) continue;
      const sketch = LatencySketch.from(data);
      for (const q of ['0.5', '0.95'] as const) {
        samples.push({ labels: { ...labels(m), quantile: q }, value: sketch.quantile(Number(q))! });
      }
      samples.push({ labels: labels(m), suffix: '_sum', value: Math.round(data.sum * 1000) / 1000 });
      samples.push({ labels: labels(m), suffix: '_count', value: data.count });
    }
    return family(name, 'summary', help, samples);
  }
}

/** The LLM gateway: labels are model, transport, tool and finish_reason only (never a key or a tenant). */
function llmFamilies(s: StatusSnapshot): MetricFamily[] {
  const llm = s.ledger?.llm;
  const models = llm?.models ?? [];
  const tools = llm?.tools ?? [];
  const perModel = (name: string, help: string, pick: (m: (typeof models)[number]) => number) =>
    family(
      name,
      'counter',
      help,
      models.map((m) => ({ labels: { model: m.model, transport: m.transport }, value: pick(m) })),
    );
  const perTool = (name: string, help: string, pick: (t: (typeof tools)[number]) => number) =>
    family(
      name,
      'counter',
      help,
      tools.map((t) => ({ labels: { tool: t.tool }, value: pick(t) })),
    );
  return [
    perModel(
      'promethean_llm_requests_total',
      'Gateway requests admitted, per model and transport (requests/s is its rate).',
      (m) => m.requests,
    ),
    perModel('promethean_llm_completed_total', 'Gateway requests answered.', (m) => m.completed),
    perModel('promethean_llm_errors_total', 'Gateway requests that ended in an error.', (m) => m.errors),
    perModel(
      'promethean_llm_dropped_total',
      'Gateway requests refused over a limit (overloaded or 429), never queued.',
      (m) => m.dropped,
    ),
    family(
      'promethean_llm_tokens_total',
      'counter',
      'Tokens the models reported, per model and kind (prompt or completion).',
      models.flatMap((m) => [
        { labels: { model: m.model, transport: m.transport, kind: 'prompt' }, value: m.prompt_tokens },
        {
          labels: { model: m.model, transport: m.transport, kind: 'completion' },
          value: m.completion_tokens,
        },
      ]),
    ),
    family(
      'promethean_llm_finish_reasons_total',
      'counter',
      'Chat completions per finish_reason.',
      models.flatMap((m) =>
        Object.entries(m.finish_reasons).map(([reason, value]) => ({
          labels: { model: m.model, transport: m.transport, finish_reason: reason },
          value,
        })),
      ),
    ),
    perTool(
      'promethean_llm_tool_invocations_total',
      'Platform tool calls the gateway ran.',
      (t) => t.invocations,
    ),
    perTool('promethean_llm_tool_errors_total', 'Platform tool calls that failed.', (t) => t.errors),
    family('promethean_llm_tool_latency_ms', 'summary', 'Platform tool call latency (ms).', [
      ...tools.flatMap((t) =>
        (
          [
            ['0.5', t.latency.p50_ms],
            ['0.95', t.latency.p95_ms],
          ] as const
        )
          .filter(([, v]) => v !== null)
          .map(([q, v]) => ({ labels: { tool: t.tool, quantile: q }, value: v as number })),
      ),
      ...tools.flatMap((t) => [
        { labels: { tool: t.tool }, suffix: '_sum' as const, value: t.latency.sum_ms },
        { labels: { tool: t.tool }, suffix: '_count' as const, value: t.latency.count },
      ]),
    ]),
    family(
      'promethean_llm_connections',
      'gauge',
      'Open gateway WebSockets, summed over gateway objects heard from recently.',
      llm ? [{ labels: {}, value: llm.connections }] : [],
    ),
    family(
      'promethean_llm_queue_depth',
      'gauge',
      'Gateway requests admitted and still running (there is no waiting queue: over a limit is refused).',
      llm ? [{ labels: {}, value: llm.in_flight }] : [],
    ),
  ];
}
