/**
 * `npm run bench:cost -- --json [--messages N] [--rate R]`: what a live Discord message costs on
 * Cloudflare. The fake gateway dispatches MESSAGE_CREATE at a steady rate over 20 channels of 2 tenants
 * (duck and goose, one GatewaySession each, messages alternating; a tenth mention a user, one in twenty
 * has an attachment); both Workers run under one `wrangler dev` (or Miniflare: STACK_LAUNCHER) with the
 * embedded store, Chroma and the model double. The ops ledger (`/metrics?format=json`, read before and
 * after) counts every billable operation of both Workers and their Durable Objects; /proc gives workerd's
 * CPU. Prices: test/bench/cloudflare-prices.ts.
 *
 * Freshness, dispatch → stored: vectors per message id, from Chroma polled every 100 ms (insertion order,
 * so each poll reads only what is new); documents from each tenant's document count polled every 200 ms
 * through the admin API, matched first in, first out with that tenant's dispatches. Those polls are
 * Worker requests: their measured cost (per poll, after the run) is taken off the totals.
 *
 * Two stacks in one run: the baseline, as before the cost levers (GATEWAY_PUBLISH=full: raw.event for
 * every dispatch and provider_payload in every event; TENANT_CONFIG_READS=per-invocation: one read of
 * the tenant settings per agent invocation; GATEWAY_COALESCE=off: one queue message per dispatch;
 * DOCUMENT_COALESCING=off and EMBED_COALESCING=off: one store and model round trip per invocation), and
 * the levers on (the default; `--off coalesce,documents,embeddings` turns some off, to measure one). Each
 * run checks every dispatched message is stored once (documents and vectors). `EVENTS_CONCURRENCY=N` in the
 * bench's environment is passed to the functions Worker of both stacks: the lanes of an events batch
 * (functions/src/events-batch-lanes.ts; 32 before issue 18 session 18, to measure against).
 * Prints one JSON line last.
 */
import { parseArgs } from 'node:util';
import { PRICES } from './cloudflare-prices.ts';
import { COST_CHANNELS, COST_LEVERS, COST_TENANTS, type CostLever, runCostStack } from './cost-run.ts';

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    messages: { type: 'string', default: '1000' },
    rate: { type: 'string', default: '200' },
    /** Levers to leave off in the levers stack: coalesce, documents, embeddings, vectors (comma-separated). */
    off: { type: 'string', default: '' },
    /** Messages for the baseline stack (default: --messages); 0 skips it (a diagnosis run). */
    'baseline-messages': { type: 'string' },
    /** Logs once a second: messages dispatched and stored, and CPU by process of the stack. */
    trace: { type: 'boolean', default: false },
  },
});
const LEVERS_OFF = new Set<CostLever>();
for (const l of values.off.split(',').filter((x) => x !== '')) {
  if (!(COST_LEVERS as readonly string[]).includes(l)) throw new Error(`--off: unknown lever ${l}`);
  LEVERS_OFF.add(l as CostLever);
}
const MESSAGES = Number(values.messages);
const RATE = Number(values.rate);
const BASELINE_MESSAGES = Number(values['baseline-messages'] ?? MESSAGES);
const CHANNELS = COST_CHANNELS;
const TENANTS = COST_TENANTS;
const log = (line: string) => console.error(`[bench:cost] ${line}`);
const run = (mode: 'full' | 'lean', messages: number) =>
  runCostStack({ mode, messages, rate: RATE, leversOff: LEVERS_OFF, trace: values.trace, log });

log(
  `${MESSAGES} messages at ${RATE}/s over ${CHANNELS} channels of ${TENANTS.length} tenants; baseline first (${BASELINE_MESSAGES} messages), then the levers`,
);
const baseline = BASELINE_MESSAGES > 0 ? await run('full', BASELINE_MESSAGES) : undefined;
log(JSON.stringify(baseline ?? 'baseline skipped (--baseline-messages 0)'));
const levers = await run('lean', MESSAGES);
log(JSON.stringify(levers));
const ratio = (a: number, b: number | undefined) =>
  b === undefined || b === 0 ? null : Math.round((a / b) * 1000) / 1000;
const result = {
  messages: MESSAGES,
  tenants: TENANTS.length,
  channels: CHANNELS,
  levers_off: [...LEVERS_OFF],
  baseline_messages: BASELINE_MESSAGES,
  rate_per_s: RATE,
  prices_usd_per_million: Object.fromEntries(Object.entries(PRICES).map(([k, v]) => [k, v * 1e6])),
  baseline: baseline ?? null,
  levers,
  compute_bus_ratio: ratio(levers.usd_per_million_compute_bus, baseline?.usd_per_million_compute_bus),
  queue_operations_ratio: ratio(levers.per_message.queue_operations, baseline?.per_message.queue_operations),
  usd_per_million_compute_bus: levers.usd_per_million_compute_bus,
  usd_per_million_storage: levers.usd_per_million_storage,
  document_freshness_p50_ms: levers.document_freshness_p50_ms,
  document_freshness_p95_ms: levers.document_freshness_p95_ms,
  vector_freshness_p50_ms: levers.vector_freshness_p50_ms,
  vector_freshness_p95_ms: levers.vector_freshness_p95_ms,
  launcher: levers.launcher,
  lost: (baseline?.lost ?? 0) + levers.lost,
  duplicated: (baseline?.duplicated ?? 0) + levers.duplicated,
};
if (!values.json) log(JSON.stringify(result, null, 2));
console.log(JSON.stringify(result));
