/**
 * One `bench:cost` stack run (test/bench/cost-bench.ts is the command line; the stack project's
 * test/dev-stack/cost-e2e.test.ts runs a short form): the fake gateway dispatches MESSAGE_CREATE at a steady
 * rate over 20 channels of 2 tenants, and the run reports, per message, what the ops ledger counted, workerd's
 * CPU, the price at list prices, freshness (dispatch → document and → vector stored), and lost / duplicated
 * against the dispatched history. The file header of cost-bench.ts says how each figure is measured.
 */
import type { StatusSnapshot } from '@promethean/shared/ops/status-snapshot';
import { DEV_FAKE_BOTS, DEV_FAKE_CREDENTIALS } from '../../durable-objects/dev/dev-discord.ts';
import { type PerMessage, usdPerMillion } from './cloudflare-prices.ts';
import { percentile } from './latency-stats.ts';
import { type PipelineStack, type StackLauncher, startPipelineStack } from './pipeline-stack.ts';
import { cpuMsByCommand, machineBusy } from './process-cpu.ts';
import {
  compare,
  documentCount,
  storedDocumentIds,
  storedVectorIds,
  VectorArrivals,
} from './stored-messages.ts';
import { workerdCpuMs } from './workerd-cpu.ts';

export const COST_CHANNELS = 20;
const CHANNELS = COST_CHANNELS;
/** Messages alternate between the tenants; goose's allowlist admits only its own guild. */
export const COST_TENANTS = [
  { tenant: 'duck', guild: '800000000000000001' },
  { tenant: 'goose', guild: '800000000000000002' },
] as const;
const TENANTS = COST_TENANTS;
export const COST_LEVERS = ['coalesce', 'documents', 'embeddings', 'vectors'] as const;
export type CostLever = (typeof COST_LEVERS)[number];

export interface CostRunOptions {
  /** full: as before the cost levers (the baseline); lean: the levers on, but those in `leversOff`. */
  mode: 'full' | 'lean';
  messages: number;
  /** Dispatches per second. */
  rate: number;
  leversOff?: ReadonlySet<CostLever>;
  /** Logs once a second: messages dispatched and stored, and CPU by process of the stack. */
  trace?: boolean;
  launcher?: StackLauncher;
  /**
   * How long the stack must stay quiet around the ledger reads (ms): long enough for the Durable Objects'
   * counts, flushed a second after their last operation, to land. The short test form uses less.
   */
  settleMs?: number;
  /** How long to wait for every vector once all is dispatched. */
  storedWithinMs?: number;
  log: (line: string) => void;
}

interface Counters {
  worker_invocations: number;
  queue_writes: number;
  queue_reads: number;
  queue_deletes: number;
  durable_object_requests: number;
  rows_written: number;
  embed_texts: number;
  /** Handler runs, every agent and intent (each is a context, an ops record and a trace hop). */
  agent_invocations: number;
  /** Deliveries an agent's input filter refused (agent.yml `when`): no context, no run, no hop. */
  filtered_deliveries: number;
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
    agent_invocations: ledger.agents.reduce((n, a) => n + a.count, 0),
    // Absent from a ledger older than input filters.
    filtered_deliveries: ledger.agents.reduce((n, a) => n + (a.filtered ?? 0), 0),
  };
}

const minus = (a: Counters, b: Counters): Counters =>
  Object.fromEntries(
    Object.entries(a).map(([k, v]) => [k, v - b[k as keyof Counters]]),
  ) as unknown as Counters;

const tenantOf = (i: number) => i % TENANTS.length;

function message(i: number) {
  const id = String(1_400_000_000_000_000_000n + BigInt(i));
  return {
    id,
    // i % 20 and i % 2 together: channels 0, 2, … are duck's and 1, 3, … goose's (10 each).
    channel_id: String(700_000_000_000_000_001n + BigInt(i % CHANNELS)),
    guild_id: TENANTS[tenantOf(i)]!.guild,
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
 * Dispatch → stored, by matching the k-th document counted with the k-th message dispatched (first in,
 * first out). An approximation where the pipeline reorders, exact to the poll where it does not.
 */
function fifoFreshness(dispatchedAt: readonly number[], counts: ReadonlyArray<{ at: number; n: number }>) {
  const ms: number[] = [];
  let c = 0;
  for (let k = 0; k < dispatchedAt.length; k++) {
    while (c < counts.length && counts[c]!.n < k + 1) c++;
    if (c === counts.length) break;
    ms.push(counts[c]!.at - dispatchedAt[k]!);
  }
  return ms;
}

function percentiles(ms: number[]) {
  const sorted = [...ms].sort((a, b) => a - b);
  return { p50_ms: Math.round(percentile(sorted, 50)), p95_ms: Math.round(percentile(sorted, 95)) };
}

/** Polls `read` every `everyMs` until stopped, recording (time, count); never two reads at once. */
function poller(read: () => Promise<number>, everyMs: number) {
  const counts: Array<{ at: number; n: number }> = [];
  let polls = 0;
  let stopped = false;
  const done = (async () => {
    while (!stopped) {
      const next = performance.now() + everyMs;
      polls++;
      const n = await read().catch(() => undefined);
      if (n !== undefined) counts.push({ at: performance.now(), n });
      await new Promise((r) => setTimeout(r, Math.max(0, next - performance.now())));
    }
  })();
  return {
    counts,
    polls: () => polls,
    last: () => counts.at(-1)?.n ?? 0,
    stop: async () => {
      stopped = true;
      await done;
    },
  };
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

/** Once a second: what was dispatched and stored, and which processes used the CPU (--trace). */
function startTrace(progress: () => string, log: (line: string) => void): () => void {
  const busy = machineBusy();
  let prev = cpuMsByCommand();
  const started = performance.now();
  const timer = setInterval(() => {
    const now = cpuMsByCommand();
    const cpu = Object.entries(now)
      .map(([k, v]) => [k, Math.round((v - (prev[k] ?? 0)) / 10)] as const)
      .filter(([, pct]) => pct > 0)
      .map(([k, pct]) => `${k} ${pct}%`)
      .join(', ');
    prev = now;
    const t = ((performance.now() - started) / 1000).toFixed(0);
    log(`trace t=${t}s ${progress()} cpu: ${cpu}; machine busy cores ${busy().busy_cores}`);
  }, 1_000);
  return () => clearInterval(timer);
}

export type CostRun = Awaited<ReturnType<typeof runCostStack>>;

export async function runCostStack(o: CostRunOptions) {
  const { mode, messages: MESSAGES, rate: RATE, log } = o;
  const LEVERS_OFF: ReadonlySet<string> = o.leversOff ?? new Set();
  const settle = o.settleMs ?? 1_500;
  const stack = await startPipelineStack({
    documents: 'sqlite',
    fakeDiscord: {
      tokens: Object.fromEntries(
        TENANTS.map(({ tenant }) => [
          DEV_FAKE_CREDENTIALS[tenant],
          { botUserId: DEV_FAKE_BOTS[tenant].botUserId, applicationId: DEV_FAKE_BOTS[tenant].applicationId },
        ]),
      ),
    },
    accessVars: {
      GATEWAY_PUBLISH: mode,
      ...((mode === 'full' || LEVERS_OFF.has('coalesce')) && { GATEWAY_COALESCE: 'off' }),
    },
    functionsVars: {
      ...(mode === 'full' && { TENANT_CONFIG_READS: 'per-invocation' }),
      ...((mode === 'full' || LEVERS_OFF.has('documents')) && { DOCUMENT_COALESCING: 'off' }),
      ...((mode === 'full' || LEVERS_OFF.has('embeddings')) && { EMBED_COALESCING: 'off' }),
      ...((mode === 'full' || LEVERS_OFF.has('vectors')) && { VECTOR_COALESCING: 'off' }),
      ...(process.env.EVENTS_CONCURRENCY && { EVENTS_CONCURRENCY: process.env.EVENTS_CONCURRENCY }),
    },
    log: (l) => log(l),
    ...(o.launcher && { launcher: o.launcher }),
  });
  try {
    const sessions: string[] = [];
    for (const { tenant } of TENANTS) {
      const gateway = `${stack.url}/dev/discord/${tenant}/gateway/0`;
      await fetch(`${gateway}/start`, { method: 'POST' });
      const ready = await waitFor(
        `${tenant} gateway ready`,
        async () => (await (await fetch(gateway)).json()) as { status: string; session_id?: string },
        (h) => h.status === 'ready',
        60_000,
      );
      sessions.push(ready.session_id!);
    }
    // Everything before the first dispatch (start-up, the sessions' READY) lands in `before`. The stack
    // is quiet then, so this is where what a /metrics read and a document poll cost is measured: two reads
    // apart give one read's cost; then some polls, measured the same way (after the run, redelivered
    // messages may still trickle in and would be mistaken for the polls' cost).
    await new Promise((r) => setTimeout(r, (settle * 5) / 3));
    const quiet = await counters(stack);
    await new Promise((r) => setTimeout(r, settle));
    const calibrated = await counters(stack);
    const read = minus(calibrated, quiet);
    const CALIBRATION_POLLS = 10;
    const cpuCalibration = workerdCpuMs();
    for (let k = 0; k < CALIBRATION_POLLS; k++)
      await documentCount(stack.admin, TENANTS[k % TENANTS.length]!.tenant);
    const cpuPerPoll = (workerdCpuMs() - cpuCalibration) / CALIBRATION_POLLS;
    await new Promise((r) => setTimeout(r, settle));
    const before = await counters(stack);
    const perPoll = minus(minus(before, calibrated), read);
    const cpuBefore = workerdCpuMs();
    const processesBefore = cpuMsByCommand();
    const embeds = () => stack.models.requests.filter((r) => r.path === '/v1/embeddings').length;
    const embedsBefore = embeds();
    const history = new Set<string>();
    // Per tenant: each message's dispatch time, in dispatch order; and by id.
    const dispatchedAt: number[][] = TENANTS.map(() => []);
    const dispatchedById = new Map<string, number>();
    const vectors = TENANTS.map(({ tenant }) => new VectorArrivals(stack.chroma.url, tenant));
    // Chroma straight, not through the Workers: watching vectors adds nothing to what is counted.
    const vectorPolls = poller(async () => {
      let n = 0;
      for (const v of vectors) n += await v.poll(() => performance.now());
      return n;
    }, 100);
    const documentPolls = TENANTS.map(({ tenant }) =>
      poller(async () => {
        const n = await documentCount(stack.admin, tenant);
        if (typeof n !== 'number') throw new Error(n);
        return n;
      }, 200),
    );
    const stopTrace = o.trace
      ? startTrace(
          () =>
            `dispatched ${dispatchedById.size} documents ${documentPolls.reduce((n, p) => n + p.last(), 0)} vectors ${vectorPolls.last()}`,
          log,
        )
      : () => undefined;
    const started = performance.now();
    for (let i = 0; i < MESSAGES; ) {
      const due = Math.min(MESSAGES, Math.floor(((performance.now() - started) / 1000) * RATE) + 1);
      for (; i < due; i++) {
        const m = message(i);
        history.add(m.id);
        const at = performance.now();
        dispatchedAt[tenantOf(i)]!.push(at);
        dispatchedById.set(m.id, at);
        stack.fake.gateway.dispatch(sessions[tenantOf(i)]!, 'MESSAGE_CREATE', m);
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    const dispatchSeconds = (performance.now() - started) / 1000;
    log(`${mode}: ${MESSAGES} dispatched in ${dispatchSeconds.toFixed(1)} s; waiting for the vectors...`);
    await waitFor(
      'vectors',
      async () => vectorPolls.last(),
      (n) => n >= MESSAGES,
      o.storedWithinMs ?? 240_000,
      100,
    );
    const stored = performance.now();
    await waitFor(
      'documents',
      async () => documentPolls.reduce((n, p) => n + p.last(), 0),
      (n) => n >= MESSAGES,
      60_000,
      100,
    );
    await vectorPolls.stop();
    for (const p of documentPolls) await p.stop();
    stopTrace();
    const documentPollCount = documentPolls.reduce((n, p) => n + p.polls(), 0);
    const vectorMs = [...dispatchedById].flatMap(([id, at]) => {
      for (const v of vectors) {
        const seen = v.seenAt.get(id);
        if (seen !== undefined) return [seen - at];
      }
      return [];
    });
    const documentMs = TENANTS.flatMap((_, t) => fifoFreshness(dispatchedAt[t]!, documentPolls[t]!.counts));
    // The sessions flush their counts a second after their last operation; a message redelivered late
    // (a retry's delay) is still work of this run: read until two reads apart differ by one read's cost.
    await new Promise((r) => setTimeout(r, settle * 2));
    let after = await counters(stack);
    let cpuAfter = workerdCpuMs();
    let processesAfter = cpuMsByCommand();
    let reads = 1;
    for (let k = 0; k < 20; k++) {
      await new Promise((r) => setTimeout(r, settle));
      const next = await counters(stack);
      const busy = Object.entries(minus(next, after)).some(([key, v]) => v > read[key as keyof Counters]);
      after = next;
      cpuAfter = workerdCpuMs();
      processesAfter = cpuMsByCommand();
      reads++;
      if (!busy) break;
    }
    // Each read after `before` costs one read (`before`'s own share and the last one's make one).
    const polling = Object.fromEntries(
      Object.entries(perPoll).map(([k, v]) => [k, (v / CALIBRATION_POLLS) * documentPollCount]),
    ) as unknown as Counters;
    const readsCost = Object.fromEntries(
      Object.entries(read).map(([k, v]) => [k, v * reads]),
    ) as unknown as Counters;
    const total = minus(minus(minus(after, before), readsCost), polling);
    const docIds: string[] = [];
    const vectorIds: string[] = [];
    for (const { tenant } of TENANTS) {
      docIds.push(...(await storedDocumentIds(stack.admin, tenant)));
      vectorIds.push(
        ...(await storedVectorIds(stack.chroma.url, tenant)).map((urn) => urn.split(':').at(-1)!),
      );
    }
    const docs = compare(history, docIds);
    const vecs = compare(history, vectorIds);
    const per = (v: number) => Math.round((v / MESSAGES) * 10_000) / 10_000;
    const queueOps = total.queue_writes + total.queue_reads + total.queue_deletes;
    const cpuMs = cpuAfter - cpuBefore - cpuPerPoll * documentPollCount;
    const perMessage: PerMessage & Record<string, number> = {
      worker_invocations: per(total.worker_invocations),
      cpu_ms: per(cpuMs),
      queue_writes: per(total.queue_writes),
      queue_reads: per(total.queue_reads),
      queue_deletes: per(total.queue_deletes),
      queue_operations: per(queueOps),
      durable_object_requests: per(total.durable_object_requests),
      rows_written: per(total.rows_written),
      embed_texts: per(total.embed_texts),
      embedding_requests: per(embeds() - embedsBefore),
      agent_invocations: per(total.agent_invocations),
      filtered_deliveries: per(total.filtered_deliveries),
    };
    const usd = usdPerMillion(perMessage);
    const vectorFreshness = percentiles(vectorMs);
    const exact = await Promise.all(vectors.map((v) => v.exact()));
    // Each process of the stack over the same window as workerd's CPU (the bench's own polls included:
    // Chroma's share holds the vector polls, `vector_poll_requests` of them).
    const processCpu = Object.fromEntries(
      Object.entries(processesAfter)
        .map(([name, ms]) => [name, per(ms - (processesBefore[name] ?? 0))] as const)
        .filter(([, ms]) => ms > 0),
    );
    const documentFreshness = percentiles(documentMs);
    return {
      mode,
      messages: MESSAGES,
      tenants: TENANTS.length,
      launcher: stack.launcher,
      per_message: perMessage,
      usd_per_million_compute_bus: usd.compute_bus,
      usd_per_million_storage: usd.storage,
      usd_per_million_compute_bus_without_cpu: usdPerMillion({ ...perMessage, cpu_ms: 0 }).compute_bus,
      process_cpu_ms_per_message: processCpu,
      vector_poll_requests: vectors.reduce((n, v) => n + v.requests, 0),
      document_freshness_p50_ms: documentFreshness.p50_ms,
      document_freshness_p95_ms: documentFreshness.p95_ms,
      vector_freshness_p50_ms: vectorFreshness.p50_ms,
      vector_freshness_p95_ms: vectorFreshness.p95_ms,
      // False if Chroma did not answer in insertion order (then some ids have no arrival time).
      vector_freshness_exact: exact.every(Boolean) && vectorMs.length === MESSAGES,
      dispatch_seconds: Math.round(dispatchSeconds * 10) / 10,
      dispatch_to_vectors_s: Math.round((stored - started) / 100) / 10,
      documents: docIds.length,
      vectors: vectorIds.length,
      lost: docs.missing + vecs.missing,
      duplicated: docs.duplicates + vecs.duplicates,
      metrics_read_cost: read,
      metrics_reads_after: reads,
      document_poll_cost: perPoll,
      document_polls: documentPollCount,
      document_polls_cost_taken_off: { ...polling, cpu_ms: Math.round(cpuPerPoll * documentPollCount) },
    };
  } finally {
    await stack.stop();
  }
}
