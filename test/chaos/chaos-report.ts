/**
 * What a chaos run reports: the figures the issue asks for (`faults_injected, messages, lost, duplicated,
 * dead_lettered, recovered`), per-fault counts, the workload, what the bus did, what each store holds, and
 * the first findings — one JSON object, plus a short table for people.
 */
import type { BrokerEvent } from '@promethean/shared/broker/broker-metrics';
import type { InMemoryBroker } from '@promethean/shared/broker/in-memory-broker';
import type { InMemoryAgentHost } from '../pipeline/in-memory-agent-host.ts';
import type { AuditResult, Finding } from './chaos-audit.ts';
import type { FaultCounts, FaultInjector, FaultRates } from './chaos-faults.ts';
import type { Workload } from './chaos-workload.ts';

export interface ChaosReport {
  suite: 'chaos';
  seed: number;
  completed: boolean;
  duration_ms: number;
  messages: number;
  faults_injected: number;
  lost: number;
  duplicated: number;
  dead_lettered: number;
  recovered: number;
  unexpected: number;
  faults: FaultCounts & { reordered_deliveries: number };
  rates: FaultRates;
  workload: {
    live_messages: number;
    edits: number;
    deletes: number;
    attachments: number;
    mentions: number;
    backfilled_messages: number;
  };
  bus: {
    rounds: number;
    published: number;
    delivered: number;
    retried: number;
    publish_retries: number;
    /** Why deliveries failed before being redelivered. */
    retry_causes: Record<string, number>;
  };
  stores: AuditResult['stored'];
  findings: Finding[];
  /** Error lines the agents logged (the first few), to start from when a run fails. */
  errors: string[];
}

/** Deliveries to a subscriber in another order than their first publish (shuffle, latency, delays). */
export function reorderedDeliveries(events: readonly BrokerEvent[]): number {
  const firstPublish = new Map<string, number>();
  const highest = new Map<string, number>();
  let reordered = 0;
  for (const e of events) {
    if (e.kind === 'publish' && !firstPublish.has(e.envelope_id)) firstPublish.set(e.envelope_id, e.seq);
    if (e.kind !== 'deliver' || e.subscriber === undefined) continue;
    const order = firstPublish.get(e.envelope_id) ?? 0;
    const top = highest.get(e.subscriber) ?? -1;
    if (order < top) reordered++;
    else highest.set(e.subscriber, order);
  }
  return reordered;
}

/** Why deliveries failed before they were redelivered, by cause (from the broker's retry records). */
const CAUSES: ReadonlyArray<[string, RegExp]> = [
  ['worker_crash', /worker died/],
  ['publish_refused', /injected fault/],
  ['broker_disconnected', /broker disconnected|chaos: connection lost/],
  ['document_store_unavailable', /mongo|ferret|server selection|workerd did not answer|TenantDocuments/i],
  ['vector_store_unavailable', /chroma/i],
];

export function retryCauses(events: readonly BrokerEvent[]): Record<string, number> {
  const causes: Record<string, number> = {};
  for (const e of events) {
    if (e.kind !== 'retry') continue;
    const cause = CAUSES.find(([, pattern]) => pattern.test(e.detail ?? ''))?.[0] ?? 'other';
    causes[cause] = (causes[cause] ?? 0) + 1;
  }
  return causes;
}

/** The first few retry reasons no known cause explains (a run with any of these needs a look). */
export function unexplainedRetries(events: readonly BrokerEvent[]): string[] {
  return events
    .filter((e) => e.kind === 'retry' && !CAUSES.some(([, pattern]) => pattern.test(e.detail ?? '')))
    .slice(0, 5)
    .map((e) => (e.detail ?? '').slice(0, 300));
}

/** Deliveries (message × subscriber) that failed at least once and then succeeded. */
export function recoveredDeliveries(events: readonly BrokerEvent[]): number {
  const failed = new Set<string>();
  const recovered = new Set<string>();
  for (const e of events) {
    const key = `${e.envelope_id}\u0000${e.subscriber ?? ''}`;
    if (e.kind === 'retry') failed.add(key);
    if (e.kind === 'deliver' && failed.has(key)) recovered.add(key);
  }
  return recovered.size;
}

interface RunFigures {
  broker: InMemoryBroker;
  host: InMemoryAgentHost;
  faults: FaultInjector;
  rounds: number;
  publishRetries: number;
  completed: boolean;
  problems: ReadonlyArray<{ msg: string; fields?: Record<string, unknown> }>;
}

export function chaosReport(o: {
  options: { seed: number; rates: FaultRates };
  workload: Workload;
  run: RunFigures;
  audit: AuditResult;
  backfilled: number;
  durationMs: number;
}): ChaosReport {
  const events = o.run.broker.eventLog();
  const metrics = o.run.broker.metrics();
  const { silent_drops: _controlOnly, ...injected } = o.run.faults.counts;
  const faults = { ...o.run.faults.counts, reordered_deliveries: reorderedDeliveries(events) };
  // Reordering is measured, not injected one message at a time (shuffle and latency touch every message).
  const faultsInjected = Object.values(injected).reduce((n, v) => n + v, 0);
  const c = o.workload.counts;
  return {
    suite: 'chaos',
    seed: o.options.seed,
    completed: o.run.completed,
    duration_ms: o.durationMs,
    messages: c.creates + o.backfilled,
    faults_injected: faultsInjected,
    lost: o.audit.lost,
    duplicated: o.audit.duplicated,
    dead_lettered: o.run.host.failures().length + o.run.broker.deadLetters().length,
    recovered: recoveredDeliveries(events),
    unexpected: o.audit.unexpected,
    faults,
    rates: o.options.rates,
    workload: {
      live_messages: c.creates,
      edits: c.edits,
      deletes: c.deletes,
      attachments: c.attachments,
      mentions: c.mentions,
      backfilled_messages: o.backfilled,
    },
    bus: {
      rounds: o.run.rounds,
      published: metrics.published,
      delivered: metrics.delivered,
      retried: metrics.retried,
      publish_retries: o.run.publishRetries,
      retry_causes: retryCauses(events),
    },
    stores: o.audit.stored,
    findings: o.audit.findings.slice(0, 20),
    errors: [
      ...unexplainedRetries(events),
      ...o.run.problems.slice(0, 5).map((p) => `${p.msg} ${JSON.stringify(p.fields ?? {})}`.slice(0, 300)),
    ],
  };
}

/** A few lines for a person reading the terminal. */
export function reportLines(r: ChaosReport): string[] {
  const faults = Object.entries(r.faults)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  return [
    `chaos seed ${r.seed}: ${r.completed ? 'completed' : 'DID NOT FINISH'} in ${(r.duration_ms / 1000).toFixed(1)} s`,
    `  messages ${r.messages} (${r.workload.live_messages} live + ${r.workload.backfilled_messages} backfilled; ${r.workload.edits} edits, ${r.workload.deletes} deletes, ${r.workload.attachments} attachments, ${r.workload.mentions} mentions)`,
    `  faults injected ${r.faults_injected}: ${faults}`,
    `  bus: ${r.bus.published} published, ${r.bus.delivered} delivered, ${r.bus.retried} redelivered after a failure (${Object.entries(
      r.bus.retry_causes,
    )
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')}), ${r.bus.rounds} rounds`,
    `  lost ${r.lost}, duplicated ${r.duplicated}, dead-lettered ${r.dead_lettered}, recovered ${r.recovered}, unexpected ${r.unexpected}`,
    ...r.findings.slice(0, 10).map((f) => `  ${f.kind}: ${f.tenant}: ${f.what}`),
  ];
}
