/**
 * Cloudflare's list prices on the Workers Paid plan, beyond the monthly inclusions, in US$ per unit.
 * Read 2026-12-02 from the public pricing pages (docs/operations.md, "Cost", cites each one). The
 * inclusions (10 M requests, 30 M CPU-ms, 1 M queue operations, 1 M DO requests, …) are left out on
 * purpose: at a million messages and more they are a fixed discount, not a per-message cost.
 */
export const PRICES = {
  /** Workers: $0.30 per million requests (developers.cloudflare.com/workers/platform/pricing). */
  worker_request: 0.3 / 1e6,
  /** Workers Standard: $0.02 per million CPU milliseconds. */
  cpu_ms: 0.02 / 1e6,
  /** Queues: $0.40 per million operations; one operation is 64 KB written, read or deleted. */
  queue_operation: 0.4 / 1e6,
  /** Durable Objects: $0.15 per million requests (every RPC call, WebSocket message, alarm). */
  durable_object_request: 0.15 / 1e6,
  /** SQLite-backed Durable Object storage: $1.00 per million rows written. */
  row_written: 1.0 / 1e6,
} as const;

export interface PerMessage {
  worker_invocations: number;
  cpu_ms: number;
  queue_operations: number;
  durable_object_requests: number;
  rows_written: number;
}

/** US$ per million messages for compute + bus (Workers, CPU, queues, DO requests) and for storage writes. */
export function usdPerMillion(m: PerMessage): { compute_bus: number; storage: number } {
  const round = (v: number) => Math.round(v * 1e6 * 10_000) / 10_000;
  return {
    compute_bus: round(
      m.worker_invocations * PRICES.worker_request +
        m.cpu_ms * PRICES.cpu_ms +
        m.queue_operations * PRICES.queue_operation +
        m.durable_object_requests * PRICES.durable_object_request,
    ),
    storage: round(m.rows_written * PRICES.row_written),
  };
}
