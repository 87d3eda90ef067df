/**
 * `npm run bench:index -- --json`: backfills a tenant's channels from the fake Discord through the whole
 * pipeline (both Workers under wrangler dev: backfill → rest.request → RestBuckets → fake Discord →
 * rest.response → message-indexer + message-embedder → document store + Chroma, embeddings from the
 * model double), once per document store, and checks every store against the channels' history.
 * Baseline, measured in the same run: a plain client reading the same pages straight from a fake
 * Discord with the same rate limits and the same concurrency ("fetch only").
 */
import { parseArgs } from 'node:util';
import { startFakeDiscord } from '../fake-discord/fake-discord-rest.ts';
import { type ModelDouble, startModelDouble } from '../model-double/model-double.ts';
import { type MongoWireServer, startMongoWireServer } from '../servers/mongo-wire-server.ts';
import { STACK_BOT, startPipelineStack } from './pipeline-stack.ts';
import {
  compare,
  documentCount,
  storedDocumentIds,
  storedVectorIds,
  vectorCount,
  withRetries,
} from './stored-messages.ts';
import { workerdCpuMs } from './workerd-cpu.ts';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '20000' },
    channels: { type: 'string', default: '40' },
    stores: { type: 'string', default: 'sqlite,mongodb' },
    'timeout-s': { type: 'string', default: '600' },
    'mongo-jobs': { type: 'string', default: '4' },
    'mongo-timeout-s': { type: 'string', default: '2400' },
    json: { type: 'boolean', default: false },
  },
});
const MESSAGES = Number(values.messages);
const CHANNELS = Number(values.channels);
const TIMEOUT_MS = Number(values['timeout-s']) * 1000;
const MONGO_JOBS = Number(values['mongo-jobs']);
const MONGO_TIMEOUT_MS = Number(values['mongo-timeout-s']) * 1000;
const timeoutFor = (store: 'sqlite' | 'mongodb') => (store === 'mongodb' ? MONGO_TIMEOUT_MS : TIMEOUT_MS);
const STORES = values.stores!.split(',').map((s) => s.trim()) as Array<'sqlite' | 'mongodb'>;
for (const s of STORES)
  if (s !== 'sqlite' && s !== 'mongodb') throw new Error(`--stores: unknown store ${s}`);
if (!Number.isInteger(MESSAGES) || MESSAGES < CHANNELS || !Number.isInteger(CHANNELS) || CHANNELS < 1) {
  throw new Error('--messages and --channels must be integers with messages >= channels >= 1');
}

const GUILD = '800000000000000001';

/**
 * Backfill jobs run at once per tenant (the backfill agent's lease limit). The embedded store takes every
 * channel at once; FerretDB (the local MongoDB-wire server: SQLite underneath, one writer) times out
 * connections when more than a few jobs write at once on this machine, so MongoDB runs get --mongo-jobs.
 */
function jobsFor(store: 'sqlite' | 'mongodb'): number {
  return store === 'mongodb' ? Math.min(CHANNELS, MONGO_JOBS) : CHANNELS;
}
const log = (line: string) => console.error(line);
const channelIds = Array.from({ length: CHANNELS }, (_, i) => String(700000000000001000n + BigInt(i)));
const perChannel = (i: number) => Math.floor(MESSAGES / CHANNELS) + (i < MESSAGES % CHANNELS ? 1 : 0);

/** Seeds the same history into any fake (seeded ids and times, so every fake agrees). */
function seed(fake: Awaited<ReturnType<typeof startFakeDiscord>>): Map<string, string[]> {
  const history = new Map<string, string[]>();
  channelIds.forEach((id, i) => {
    history.set(
      id,
      fake.state.seedChannel(id, { guildId: GUILD, messages: perChannel(i) }).map((m) => m.id),
    );
  });
  return history;
}

/** The baseline: read every page of every channel directly, all channels at once, waiting out 429s. */
async function fetchOnlyBaseline(): Promise<{ msgs_per_s: number; seconds: number; requests: number }> {
  const fake = await startFakeDiscord({
    tokens: { [STACK_BOT.token]: { botUserId: STACK_BOT.botUserId, applicationId: STACK_BOT.applicationId } },
    seed: 'pipeline-stack',
  });
  try {
    seed(fake);
    let requests = 0;
    const started = performance.now();
    const readChannel = async (channel: string) => {
      let before: string | undefined;
      for (;;) {
        const url = new URL(`${fake.restUrl}/channels/${channel}/messages`);
        url.searchParams.set('limit', '100');
        if (before) url.searchParams.set('before', before);
        requests++;
        const r = await fetch(url, { headers: { authorization: `Bot ${STACK_BOT.token}` } });
        if (r.status === 429) {
          const body = (await r.json()) as { retry_after: number };
          await new Promise((resolve) => setTimeout(resolve, body.retry_after * 1000));
          continue;
        }
        const page = (await r.json()) as Array<{ id: string }>;
        if (page.length === 0) return;
        before = page.at(-1)!.id;
        if (page.length < 100) return;
      }
    };
    await Promise.all(channelIds.map(readChannel));
    const seconds = (performance.now() - started) / 1000;
    return { msgs_per_s: Math.round(MESSAGES / seconds), seconds: round(seconds), requests };
  } finally {
    await fake.stop();
  }
}

const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

interface RunResult {
  store: 'sqlite' | 'mongodb';
  /** How the Workers ran: wrangler dev or Miniflare (STACK_LAUNCHER). */
  launcher: string;
  messages: number;
  channels: number;
  /** Backfill jobs the tenant ran at once. */
  concurrent_jobs: number;
  msgs_per_s: number;
  /** CPU of the workerd processes over the run (backfill start to every job done), per message. */
  workerd_cpu_ms_per_message: number;
  seconds_to_documents: number;
  seconds_to_vectors: number;
  embed_requests: number;
  embed_requests_per_100_msgs: number;
  stored_documents: number;
  stored_vectors: number;
  duplicates: number;
  missing: number;
  extra: number;
  jobs_failed: number;
  /** What the run cost the platform, from the ops ledger (per processed queue message and in total). */
  platform_operations?: unknown;
}

/** The ops ledger's platform-operation totals for the run, or undefined if the metrics route fails. */
async function platformOperations(admin: (p: string) => Promise<Response>): Promise<object | undefined> {
  const r = await admin('/metrics?format=json');
  if (!r.ok) return undefined;
  type Handler = {
    agent: string;
    intent: string;
    count: number;
    deferred?: number;
    filtered?: number;
    p95_ms: number | null;
  };
  const body = (await r.json()) as { ledger?: { platform_ops?: unknown; agents?: Handler[] } };
  const ledger = body.ledger ?? {};
  return {
    ...(ledger.platform_ops !== undefined && { totals: ledger.platform_ops }),
    handlers: (ledger.agents ?? []).map((a) => ({
      agent: a.agent,
      intent: a.intent,
      count: a.count,
      p95_ms: a.p95_ms,
      ...(a.deferred ? { deferred: a.deferred } : {}),
      // Deliveries the agent's input filter refused (never invoked, not in count).
      ...(a.filtered ? { filtered: a.filtered } : {}),
    })),
  };
}

/** How often the run counts stored documents: FerretDB answers a count by scanning the collection. */
function documentCountEveryMs(store: 'sqlite' | 'mongodb'): number {
  return store === 'mongodb' ? 10_000 : 2_000;
}

/** Waits (within the timeout) until every job has finished; answers how many did not end `done`. */
async function waitForJobs(
  admin: (p: string) => Promise<Response>,
  store: 'sqlite' | 'mongodb',
  started: number,
): Promise<number> {
  for (;;) {
    // One at a time: the functions Worker sheds a client's excess concurrent requests (429).
    const states: Array<{ state: string; job_id: string }> = [];
    for (const [i] of channelIds.entries()) {
      // A read that times out on a slow store says nothing about the job: ask again before counting it.
      const r = await withRetries(() => admin(`/admin/backfill/discord/duck/bench-${store}-${i}`)).catch(
        (e: unknown) => e as Error,
      );
      states.push(
        r instanceof Response
          ? ((await r.json()) as { state: string; job_id: string })
          : { state: `unreadable: ${r.message}`, job_id: `bench-${store}-${i}` },
      );
    }
    const open = states.filter((s) => s.state === 'running');
    if (open.length === 0 || performance.now() - started > timeoutFor(store)) {
      const failed = states.filter((s) => s.state !== 'done');
      if (failed[0])
        log(`[bench:index ${store}] ${failed.length} jobs did not finish, e.g. ${JSON.stringify(failed[0])}`);
      return failed.length;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

async function runStore(
  store: 'sqlite' | 'mongodb',
  models: ModelDouble,
  mongo: MongoWireServer | undefined,
): Promise<RunResult> {
  const stack = await startPipelineStack({
    documents: store,
    agentSettings: { backfill: { max_concurrent_jobs: jobsFor(store) } },
    shared: { models, ...(mongo && { mongo }) },
    log,
  });
  try {
    const history = seed(stack.fake);
    const all = new Set([...history.values()].flat());
    models.requests.length = 0;
    const cpuBefore = workerdCpuMs();
    const started = performance.now();
    for (const [i, channel] of channelIds.entries()) {
      const r = await stack.admin('/admin/backfill/discord/duck', {
        method: 'POST',
        body: JSON.stringify({ channel_id: channel, space_id: GUILD, job_id: `bench-${store}-${i}` }),
      });
      if (r.status !== 202) throw new Error(`starting a backfill failed: ${r.status} ${await r.text()}`);
    }
    let docsAt: number | undefined;
    let vectorsAt: number | undefined;
    let lastReport = 0;
    let lastDocumentCount = Number.NEGATIVE_INFINITY;
    let documents: number | string = 'not yet counted';
    while (docsAt === undefined || vectorsAt === undefined) {
      const elapsed = performance.now() - started;
      if (elapsed > timeoutFor(store)) break;
      const vectors = await vectorCount(stack.chroma.url);
      if (vectorsAt === undefined && vectors >= MESSAGES) vectorsAt = elapsed;
      // The embedder writes a page's documents before its vectors, so all vectors stored means all documents
      // are too; counting in the store costs a scan of the collection on FerretDB, so it is done less often.
      if (
        docsAt === undefined &&
        (vectorsAt !== undefined || elapsed - lastDocumentCount >= documentCountEveryMs(store))
      ) {
        lastDocumentCount = elapsed;
        documents = await documentCount(stack.admin);
        if (typeof documents === 'number' && documents >= MESSAGES) docsAt = elapsed;
      }
      if (elapsed - lastReport > 2_000) {
        lastReport = elapsed;
        log(
          `[bench:index ${store}] ${round(elapsed / 1000, 1)} s: ${documents} documents, ${vectors} vectors of ${MESSAGES}`,
        );
      }
      // Polling runs in the same workerd as the pipeline: often enough to time the run, rarely enough not to slow it.
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
    const jobsFailed = await waitForJobs(stack.admin, store, started);
    // Read before the checks below, whose admin reads would count as the pipeline's work.
    const workerdCpu = workerdCpuMs() - cpuBefore;
    const operations = await platformOperations(stack.admin);
    const docIds = await storedDocumentIds(stack.admin);
    const vectorIds = (await storedVectorIds(stack.chroma.url)).map((urn) => urn.split(':').at(-1)!);
    const docs = compare(all, docIds);
    const vectors = compare(all, vectorIds);
    const embedRequests = models.requests.filter((r) => r.path.endsWith('/embeddings')).length;
    const seconds = (docsAt ?? timeoutFor(store)) / 1000;
    return {
      store,
      launcher: stack.launcher,
      messages: MESSAGES,
      channels: CHANNELS,
      concurrent_jobs: jobsFor(store),
      msgs_per_s: Math.round(docIds.length / seconds),
      workerd_cpu_ms_per_message: round(workerdCpu / MESSAGES, 3),
      seconds_to_documents: round(seconds),
      seconds_to_vectors: round((vectorsAt ?? timeoutFor(store)) / 1000),
      embed_requests: embedRequests,
      embed_requests_per_100_msgs: round((embedRequests / MESSAGES) * 100, 3),
      stored_documents: docIds.length,
      stored_vectors: vectorIds.length,
      duplicates: docs.duplicates + vectors.duplicates,
      missing: docs.missing + vectors.missing,
      extra: docs.extra + vectors.extra,
      jobs_failed: jobsFailed,
      ...(operations && { platform_operations: operations }),
    };
  } finally {
    await stack.stop();
  }
}

async function main(): Promise<void> {
  log(`[bench:index] ${MESSAGES} messages in ${CHANNELS} channels; stores: ${STORES.join(', ')}`);
  const baseline = await fetchOnlyBaseline();
  log(
    `[bench:index] baseline (fetch only, no pipeline): ${baseline.msgs_per_s} msgs/s in ${baseline.seconds} s`,
  );
  const models = await startModelDouble({});
  const mongo = STORES.includes('mongodb') ? await startMongoWireServer({ log }) : undefined;
  const runs: RunResult[] = [];
  try {
    for (const store of STORES) runs.push(await runStore(store, models, mongo));
  } finally {
    await models.stop();
    await mongo?.stop();
  }
  console.log(
    '\nstore     msgs/s  ratio  docs s  vectors s  embed req/100  duplicates  missing  extra  failed jobs',
  );
  for (const r of runs) {
    console.log(
      `${r.store.padEnd(8)} ${String(r.msgs_per_s).padStart(7)} ${String(round(r.msgs_per_s / baseline.msgs_per_s, 3)).padStart(6)} ` +
        `${String(r.seconds_to_documents).padStart(7)} ${String(r.seconds_to_vectors).padStart(10)} ` +
        `${String(r.embed_requests_per_100_msgs).padStart(14)} ${String(r.duplicates).padStart(11)} ` +
        `${String(r.missing).padStart(8)} ${String(r.extra).padStart(6)} ${String(r.jobs_failed).padStart(12)}`,
    );
  }
  console.log(
    `baseline: fetch only ${baseline.msgs_per_s} msgs/s (${baseline.requests} requests, ${baseline.seconds} s)`,
  );
  const primary = runs.find((r) => r.store === 'sqlite') ?? runs[0]!;
  const summary = {
    ...primary,
    baseline: { name: 'fetch-only', ...baseline },
    ratio_to_baseline: round(primary.msgs_per_s / baseline.msgs_per_s, 3),
    runs: runs.map((r) => ({ ...r, ratio_to_baseline: round(r.msgs_per_s / baseline.msgs_per_s, 3) })),
  };
  if (values.json) console.log(JSON.stringify(summary));
  const broken = runs.some((r) => r.missing > 0 || r.duplicates > 0 || r.extra > 0 || r.jobs_failed > 0);
  process.exitCode = broken ? 1 : 0;
}

await main();
