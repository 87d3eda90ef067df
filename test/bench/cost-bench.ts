/**
 * `npm run bench:cost -- --json [--messages N] [--rate R]`: what a live Discord message costs on
 * Cloudflare. The fake gateway dispatches MESSAGE_CREATE at a steady rate over 20 channels (a tenth
 * mention a user, one in twenty has an attachment) to a GatewaySession; both Workers run under one
 * `wrangler dev` with the embedded store, Chroma and the model double. The ops ledger
 * (`/metrics?format=json`, read before and after) counts every billable operation of both Workers and
 * their Durable Objects; /proc gives workerd's CPU. Prices: test/bench/cloudflare-prices.ts.
 *
 * Two stacks in one run: the baseline, as before the cost levers (GATEWAY_PUBLISH=full: raw.event for
 * every dispatch and provider_payload in every event; TENANT_CONFIG_READS=per-invocation: one read of
 * the tenant settings per agent invocation; GATEWAY_COALESCE=off: one queue message per dispatch;
 * DOCUMENT_COALESCING=off and EMBED_COALESCING=off: one store and model round trip per invocation), and
 * the levers on (the default; `--off coalesce,documents,embeddings` turns some off, to measure one). Each
 * run checks every dispatched message is stored once (documents and vectors).
 * Prints one JSON line last.
 */
import { parseArgs } from 'node:util';
import type { StatusSnapshot } from '@promethean/shared/ops/status-snapshot';
import { type PerMessage, PRICES, usdPerMillion } from './cloudflare-prices.ts';
import { percentile } from './latency-stats.ts';
import { type PipelineStack, startPipelineStack } from './pipeline-stack.ts';
import {
  compare,
  documentCount,
  storedDocumentIds,
  storedVectorIds,
  vectorCount,
} from './stored-messages.ts';
import { workerdCpuMs } from './workerd-cpu.ts';

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    messages: { type: 'string', default: '1000' },
    rate: { type: 'string', default: '200' },
    /** Levers to leave off in the levers stack: coalesce, documents, embeddings (comma-separated). */
    off: { type: 'string', default: '' },
  },
});
const LEVERS_OFF = new Set(values.off.split(',').filter((x) => x !== ''));
for (const l of LEVERS_OFF)
  if (!['coalesce', 'documents', 'embeddings'].includes(l)) throw new Error(`--off: unknown lever ${l}`);
const MESSAGES = Number(values.messages);
const RATE = Number(values.rate);
const CHANNELS = 20;
const GUILD = '800000000000000001';
const log = (line: string) => console.error(`[bench:cost] ${line}`);

interface Counters {
  worker_invocations: number;
  queue_writes: number;
  queue_reads: number;
  queue_deletes: number;
  durable_object_requests: number;
  rows_written: number;
  embed_texts: number;
}

async function counters(stack: PipelineStack): Promise<Counters> {
  const r = await stack.admin('/metrics?format=json');
  if (!r.ok) throw new Error(`/metrics: ${r.status} ${await r.text()}`);
  const ledger = ((await r.json()) as StatusSnapshot).ledger;
  if (!ledger) throw new Error('/metrics answered without the ops ledger');
  const t = ledger.platform_ops.total;
  return {
    worker_invocations: t.worker_invocations,
    queue_writes: t.queue_writes,
    queue_reads: t.queue_reads,
    // A message that leaves its queue (ack, dead letter, deferral, fan-out) is one delete operation.
    queue_deletes: ledger.queues.reduce((n, q) => n + q.settled, 0),
    durable_object_requests: t.durable_object_requests,
    rows_written: t.store_writes,
    embed_texts: t.embed_cache_misses,
  };
}

const minus = (a: Counters, b: Counters): Counters =>
  Object.fromEntries(
    Object.entries(a).map(([k, v]) => [k, v - b[k as keyof Counters]]),
  ) as unknown as Counters;

function message(i: number) {
  const id = String(1_400_000_000_000_000_000n + BigInt(i));
  return {
    id,
    channel_id: String(700_000_000_000_000_001n + BigInt(i % CHANNELS)),
    guild_id: GUILD,
    author: { id: String(300_000_000_000_000_001n + BigInt(i % 7)), username: 'ada', global_name: null },
    content: `cost bench message ${i}: the pond is calm and the ducks are fed`,
    timestamp: new Date().toISOString(),
    edited_timestamp: null,
    mentions: i % 10 === 3 ? [{ id: '300000000000000002', username: 'bob', bot: false }] : [],
    mention_roles: [],
    mention_everyone: false,
    // Loopback: the attachment egress refuses it (recorded once, never retried) without a network.
    attachments:
      i % 20 === 7
        ? [{ id: `${id}1`, filename: 'pond.png', size: 10, url: 'http://127.0.0.1:9/pond.png' }]
        : [],
  };
}

/**
 * Dispatch → vector stored, per message, by matching the k-th vector stored with the k-th message
 * dispatched (first in, first out): Chroma is polled for its count every 100 ms, which adds nothing to
 * what the Workers count. An approximation where the pipeline reorders, exact to the poll where it does not.
 */
function fifoFreshness(dispatchedAt: number[], counts: Array<{ at: number; n: number }>) {
  const ms: number[] = [];
  let c = 0;
  for (let k = 0; k < dispatchedAt.length; k++) {
    while (c < counts.length && counts[c]!.n < k + 1) c++;
    if (c === counts.length) break;
    ms.push(counts[c]!.at - dispatchedAt[k]!);
  }
  ms.sort((a, b) => a - b);
  return { p50_ms: Math.round(percentile(ms, 50)), p95_ms: Math.round(percentile(ms, 95)) };
}

async function waitFor<T>(
  what: string,
  read: () => Promise<T>,
  ok: (v: T) => boolean,
  ms: number,
  everyMs = 250,
) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(v)} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

async function run(mode: 'full' | 'lean') {
  const stack = await startPipelineStack({
    documents: 'sqlite',
    accessVars: {
      GATEWAY_PUBLISH: mode,
      ...((mode === 'full' || LEVERS_OFF.has('coalesce')) && { GATEWAY_COALESCE: 'off' }),
    },
    functionsVars: {
      ...(mode === 'full' && { TENANT_CONFIG_READS: 'per-invocation' }),
      ...((mode === 'full' || LEVERS_OFF.has('documents')) && { DOCUMENT_COALESCING: 'off' }),
      ...((mode === 'full' || LEVERS_OFF.has('embeddings')) && { EMBED_COALESCING: 'off' }),
    },
    log: (l) => log(l),
  });
  try {
    const gateway = `${stack.url}/dev/discord/duck/gateway/0`;
    await fetch(`${gateway}/start`, { method: 'POST' });
    const ready = await waitFor(
      'gateway ready',
      async () => (await (await fetch(gateway)).json()) as { status: string; session_id?: string },
      (h) => h.status === 'ready',
      60_000,
    );
    // Everything before the first dispatch (start-up, the session's READY) lands in `before`.
    await new Promise((r) => setTimeout(r, 2_500));
    const before = await counters(stack);
    const cpuBefore = workerdCpuMs();
    const embeds = () => stack.models.requests.filter((r) => r.path === '/v1/embeddings').length;
    const embedsBefore = embeds();
    const started = performance.now();
    const history = new Set<string>();
    const dispatchedAt: number[] = [];
    for (let i = 0; i < MESSAGES; ) {
      const due = Math.min(MESSAGES, Math.floor(((performance.now() - started) / 1000) * RATE) + 1);
      for (; i < due; i++) {
        const m = message(i);
        history.add(m.id);
        dispatchedAt.push(performance.now());
        stack.fake.gateway.dispatch(ready.session_id!, 'MESSAGE_CREATE', m);
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    const dispatchSeconds = (performance.now() - started) / 1000;
    log(`${mode}: ${MESSAGES} dispatched in ${dispatchSeconds.toFixed(1)} s; waiting for the vectors...`);
    // Chroma straight, not through the Workers: polling must not add to what is counted.
    const counts: Array<{ at: number; n: number }> = [];
    await waitFor(
      'vectors',
      async () => {
        const n = await vectorCount(stack.chroma.url);
        counts.push({ at: performance.now(), n });
        return n;
      },
      (n) => n >= MESSAGES,
      240_000,
      100,
    );
    const freshness = fifoFreshness(dispatchedAt, counts);
    const stored = performance.now();
    const documents = await waitFor(
      'documents',
      () => documentCount(stack.admin),
      (n) => n === MESSAGES,
      60_000,
    );
    // The sessions flush their counts a second after their last operation; then two reads apart give
    // what one /metrics read itself costs, taken off once (the `before` read's share plus `after`'s).
    await new Promise((r) => setTimeout(r, 3_000));
    const after = await counters(stack);
    const cpuAfter = workerdCpuMs();
    await new Promise((r) => setTimeout(r, 1_500));
    const read = minus(await counters(stack), after);
    const total = minus(minus(after, before), read);
    const docIds = await storedDocumentIds(stack.admin);
    const vectorIds = (await storedVectorIds(stack.chroma.url)).map((urn) => urn.split(':').at(-1)!);
    const docs = compare(history, docIds);
    const vecs = compare(history, vectorIds);
    const per = (v: number) => Math.round((v / MESSAGES) * 10_000) / 10_000;
    const queueOps = total.queue_writes + total.queue_reads + total.queue_deletes;
    const perMessage: PerMessage & Record<string, number> = {
      worker_invocations: per(total.worker_invocations),
      cpu_ms: per(cpuAfter - cpuBefore),
      queue_writes: per(total.queue_writes),
      queue_reads: per(total.queue_reads),
      queue_deletes: per(total.queue_deletes),
      queue_operations: per(queueOps),
      durable_object_requests: per(total.durable_object_requests),
      rows_written: per(total.rows_written),
      embed_texts: per(total.embed_texts),
      embedding_requests: per(embeds() - embedsBefore),
    };
    const usd = usdPerMillion(perMessage);
    return {
      mode,
      per_message: perMessage,
      usd_per_million_compute_bus: usd.compute_bus,
      usd_per_million_storage: usd.storage,
      usd_per_million_compute_bus_without_cpu: usdPerMillion({ ...perMessage, cpu_ms: 0 }).compute_bus,
      vector_freshness_fifo_p50_ms: freshness.p50_ms,
      vector_freshness_fifo_p95_ms: freshness.p95_ms,
      dispatch_to_vectors_s: Math.round((stored - started) / 100) / 10,
      documents,
      lost: docs.missing + vecs.missing,
      duplicated: docs.duplicates + vecs.duplicates,
      metrics_read_cost: read,
    };
  } finally {
    await stack.stop();
  }
}

log(`${MESSAGES} messages at ${RATE}/s over ${CHANNELS} channels; baseline first, then the levers`);
const baseline = await run('full');
log(JSON.stringify(baseline));
const levers = await run('lean');
log(JSON.stringify(levers));
const ratio = (a: number, b: number) => (b === 0 ? null : Math.round((a / b) * 1000) / 1000);
const result = {
  messages: MESSAGES,
  levers_off: [...LEVERS_OFF],
  rate_per_s: RATE,
  prices_usd_per_million: Object.fromEntries(Object.entries(PRICES).map(([k, v]) => [k, v * 1e6])),
  baseline,
  levers,
  compute_bus_ratio: ratio(levers.usd_per_million_compute_bus, baseline.usd_per_million_compute_bus),
  queue_operations_ratio: ratio(levers.per_message.queue_operations, baseline.per_message.queue_operations),
  usd_per_million_compute_bus: levers.usd_per_million_compute_bus,
  usd_per_million_storage: levers.usd_per_million_storage,
  lost: baseline.lost + levers.lost,
  duplicated: baseline.duplicated + levers.duplicated,
};
if (!values.json) log(JSON.stringify(result, null, 2));
console.log(JSON.stringify(result));
