/**
 * The ops ledger's trace table: every hop isolates flushed in the last hour, looked up per tenant by any
 * envelope id of a trace (or the trace id itself). A diagnostic record with a short life, so operators can
 * follow one message; the bus and the stores remain the record of what happened.
 */

import { TraceHop } from '@promethean/shared/ops/trace-hops';
import { runSql } from '@promethean/shared/platform/durable-sql';

export const TRACE_HOPS_MIGRATION = `CREATE TABLE trace_hops (provider TEXT NOT NULL, tenant TEXT NOT NULL,
     trace TEXT NOT NULL, id TEXT NOT NULL, agent TEXT NOT NULL, parent TEXT, intent TEXT NOT NULL,
     src TEXT NOT NULL, ts TEXT NOT NULL, seen_at INTEGER NOT NULL, PRIMARY KEY (provider, tenant, id, agent));
   CREATE INDEX trace_hops_by_trace ON trace_hops (provider, tenant, trace);
   CREATE INDEX trace_hops_by_seen ON trace_hops (seen_at)`;

/** How long hops are kept. */
export const KEEP_TRACE_HOPS_MS = 60 * 60_000;
/** The most hops one lookup answers (a trace this long is a loop worth seeing, not reading in full). */
export const MAX_TRACE_HOPS = 500;

/** Stores hops; a redelivered envelope handled again by the same agent overwrites its hop. */
export function recordHops(storage: DurableObjectStorage, hops: readonly TraceHop[], now: number): void {
  for (const h of hops) {
    runSql(
      storage,
      `INSERT INTO trace_hops VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (provider, tenant, id, agent) DO UPDATE SET seen_at = excluded.seen_at`,
      h.provider,
      h.tenant,
      h.trace,
      h.id,
      h.agent,
      h.parent ?? null,
      h.intent,
      h.src,
      h.ts,
      now,
    );
  }
}

export function sweepHops(storage: DurableObjectStorage, now: number): void {
  runSql(storage, 'DELETE FROM trace_hops WHERE seen_at < ?', now - KEEP_TRACE_HOPS_MS);
}

type HopRow = {
  provider: string;
  tenant: string;
  trace: string;
  id: string;
  agent: string;
  parent: string | null;
  intent: string;
  src: string;
  ts: string;
};

/** The hops of the trace that `id` (an envelope id or a trace id) belongs to, for one tenant only. */
export function traceHops(
  storage: DurableObjectStorage,
  provider: string,
  tenant: string,
  id: string,
): TraceHop[] {
  const trace = runSql<{ trace: string }>(
    storage,
    'SELECT trace FROM trace_hops WHERE provider = ? AND tenant = ? AND (id = ? OR trace = ?) LIMIT 1',
    provider,
    tenant,
    id,
    id,
  )[0]?.trace;
  if (trace === undefined) return [];
  return runSql<HopRow>(
    storage,
    `SELECT provider, tenant, trace, id, agent, parent, intent, src, ts FROM trace_hops
     WHERE provider = ? AND tenant = ? AND trace = ? ORDER BY ts, id, agent LIMIT ?`,
    provider,
    tenant,
    trace,
    MAX_TRACE_HOPS,
  ).map((r) => TraceHop.parse({ ...r, parent: r.parent ?? undefined }));
}
