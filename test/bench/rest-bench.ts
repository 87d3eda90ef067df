/**
 * `npm run bench:rest -- --json`: the same workloads through our RestBuckets Durable Object (inside
 * `wrangler dev`) and through @discordjs/rest (the baseline), against one fake Discord with Discord's
 * rate-limit behaviour. Two workloads:
 * - channel-bound: messages across channels and two bot tenants (the per-channel buckets bind);
 * - global-bound: one bot, 1,000 messages over 100 channels, the fake answering a set time after it
 *   counted each request (default 5, 15, 50 and 150 ms), so the 50/s global limit binds.
 * Prints one JSON line last.
 */
import { parseArgs } from 'node:util';
import { REST } from '@discordjs/rest';
import { startFakeDiscord } from '../fake-discord/fake-discord-rest.ts';
import { startAccessWorker } from './access-worker-process.ts';
import { runBounded, summarize } from './latency-stats.ts';

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    workload: { type: 'string', default: 'all' },
    messages: { type: 'string', default: '2000' },
    channels: { type: 'string', default: '20' },
    concurrency: { type: 'string', default: '100' },
    'global-messages': { type: 'string', default: '1000' },
    'global-channels': { type: 'string', default: '100' },
    latencies: { type: 'string', default: '5,15,50,150' },
  },
});
if (!['all', 'channel', 'global'].includes(values.workload)) throw new Error('--workload all|channel|global');
const concurrency = Number(values.concurrency);
const tenants = [
  { name: 'duck', credential: 'bench-credential-duck', bot: '900000000000000101', app: '900000000000000001' },
  {
    name: 'goose',
    credential: 'bench-credential-goose',
    bot: '900000000000000102',
    app: '900000000000000002',
  },
] as const;
type Tenant = (typeof tenants)[number];
const log = (msg: string) => console.error(`[bench:rest] ${msg}`);

// Discord's documented limits: 5 messages per 5 s per channel, 50 requests per second per bot.
const fake = await startFakeDiscord({
  tokens: Object.fromEntries(tenants.map((t) => [t.credential, { botUserId: t.bot, applicationId: t.app }])),
});

interface Workload {
  tenants: readonly Tenant[];
  messages: number;
  channelsPerTenant: number;
}

interface Job {
  tenant: Tenant;
  channel: string;
  content: string;
  key: string;
}

/**
 * A few messages one at a time before the timed run, for both clients alike: a live limiter sees
 * quiet moments between bursts, and ours learns the fixed part of the round trip only from those.
 */
const QUIET_MESSAGES = 8;

function quietJobs(w: Workload, run: string): Job[] {
  return Array.from({ length: QUIET_MESSAGES }, (_, i) => ({
    tenant: w.tenants[0]!,
    channel: String(700_000_000_000_000_000n + 900_000n + BigInt(i)),
    content: `bench quiet message #${i}`,
    key: `bench-${run}-quiet-${i}`,
  }));
}

/** Jobs alternate between tenants, so several bots work at once as they would in production. */
function jobsOf(w: Workload, run: string): Job[] {
  const out: Job[] = [];
  for (let i = 0; i < w.messages / w.tenants.length; i++) {
    for (const tenant of w.tenants) {
      const channel = String(
        700_000_000_000_000_000n + BigInt((tenants.indexOf(tenant) + 1) * 1000 + (i % w.channelsPerTenant)),
      );
      out.push({
        tenant,
        channel,
        content: `bench message ${tenant.name} #${i}`,
        key: `bench-${run}-${tenant.name}-${i}`,
      });
    }
  }
  return out;
}

/** The fake's 429s and invalid requests, and the most requests it counted in any one second. */
function fakeCounters(): {
  rateLimited: number;
  invalid: number;
  busiestSecond: number;
  slotP50Ms: number | null;
  slotP90Ms: number | null;
} {
  const state = fake.state.snapshot();
  const arrivals = fake.state.log
    .requests()
    .map((r) => r.time)
    .sort((a, b) => a - b);
  let busiestSecond = 0;
  for (let last = 0, first = 0; last < arrivals.length; last++) {
    while (arrivals[last]! - arrivals[first]! >= 1_000) first++;
    busiestSecond = Math.max(busiestSecond, last - first + 1);
  }
  // How long a global slot really lasted: the time between arrivals 50 apart (1,000 ms at the limit).
  const slots = arrivals
    .slice(50)
    .map((t, i) => t - arrivals[i]!)
    .sort((a, b) => a - b);
  const pick = (p: number) =>
    slots.length === 0 ? null : Math.round(slots[Math.floor(p * (slots.length - 1))]!);
  return {
    rateLimited: state.rate_limited,
    invalid: fake.state.invalidRequests().count,
    busiestSecond,
    slotP50Ms: pick(0.5),
    slotP90Ms: pick(0.9),
  };
}

let failuresShown = 0;
/** How the access Worker runs (access-worker-process.ts reads STACK_LAUNCHER). */
const launcher = process.env.STACK_LAUNCHER === 'miniflare' ? 'miniflare' : 'wrangler-dev';

async function runOurs(w: Workload, run: string): Promise<ReturnType<typeof summarize>> {
  log(`starting the access Worker under ${launcher}...`);
  const worker = await startAccessWorker(
    fake.restUrl,
    Object.fromEntries(w.tenants.map((t) => [t.name, t.credential])),
  );
  try {
    const send = async (job: Job) => {
      const res = await fetch(`${worker.url}/dev/discord/${job.tenant.name}/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ channel_id: job.channel, content: job.content, idempotency_key: job.key }),
      });
      const body = (await res.json()) as { results?: Array<{ ok: boolean }> };
      const ok = res.ok && (body.results ?? []).every((r) => r.ok);
      // The first few failures are shown, so a failed count comes with its reason.
      if (!ok && ++failuresShown <= 3)
        log(`ours failed: ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
      return ok;
    };
    await runBounded(
      quietJobs(w, run).map((job) => () => send(job)),
      1,
    );
    const jobs = jobsOf(w, run).map((job) => () => send(job));
    log(`ours (${run}): ${jobs.length} messages, ${concurrency} in flight...`);
    const started = performance.now();
    const { latencies, failed } = await runBounded(jobs, concurrency);
    return summarize(latencies, failed, performance.now() - started);
  } finally {
    await worker.stop();
  }
}

async function runBaseline(w: Workload, run: string): Promise<ReturnType<typeof summarize>> {
  const clients = new Map(
    w.tenants.map((t) => [
      t.name,
      new REST({ version: '10', api: fake.restUrl.replace(/\/v10$/, '') }).setToken(t.credential),
    ]),
  );
  const send = async (job: Job) => {
    await clients.get(job.tenant.name)!.post(`/channels/${job.channel}/messages`, {
      body: { content: job.content, allowed_mentions: { parse: [] } },
    });
    return true;
  };
  await runBounded(
    quietJobs(w, run).map((job) => () => send(job)),
    1,
  );
  const jobs = jobsOf(w, run).map((job) => () => send(job));
  log(`baseline @discordjs/rest (${run}): ${jobs.length} messages, ${concurrency} in flight...`);
  const started = performance.now();
  const { latencies, failed } = await runBounded(jobs, concurrency);
  return summarize(latencies, failed, performance.now() - started);
}

/** Ours, then the baseline, on a freshly reset fake; the figures of both. */
async function compare(w: Workload, run: string) {
  fake.reset();
  const ours = await runOurs(w, run);
  const oursCounters = fakeCounters();
  fake.reset();
  const baseline = await runBaseline(w, run);
  const baselineCounters = fakeCounters();
  return {
    messages: w.messages,
    channels: w.channelsPerTenant * w.tenants.length,
    tenants: w.tenants.length,
    ours_rps: ours.rps,
    baseline_rps: baseline.rps,
    ratio: Math.round((ours.rps / baseline.rps) * 1000) / 1000,
    ours_429: oursCounters.rateLimited,
    baseline_429: baselineCounters.rateLimited,
    ours_invalid: oursCounters.invalid,
    baseline_invalid: baselineCounters.invalid,
    ours_busiest_second: oursCounters.busiestSecond,
    baseline_busiest_second: baselineCounters.busiestSecond,
    ours_slot_p50_ms: oursCounters.slotP50Ms,
    ours_slot_p90_ms: oursCounters.slotP90Ms,
    baseline_slot_p50_ms: baselineCounters.slotP50Ms,
    ours_p50_ms: ours.p50_ms,
    ours_p99_ms: ours.p99_ms,
    baseline_p50_ms: baseline.p50_ms,
    baseline_p99_ms: baseline.p99_ms,
    ours_failed: ours.failed,
    baseline_failed: baseline.failed,
  };
}

try {
  const result: Record<string, unknown> = {};
  if (values.workload !== 'global') {
    fake.setResponseDelay(0);
    const channelBound = await compare(
      { tenants, messages: Number(values.messages), channelsPerTenant: Number(values.channels) },
      'channel',
    );
    // The channel-bound figures stay at the top level, where earlier runs reported them.
    Object.assign(result, channelBound);
  }
  if (values.workload !== 'channel') {
    const globalBound = [];
    for (const latency of values.latencies.split(',').map(Number)) {
      fake.setResponseDelay(latency);
      const figures = await compare(
        {
          tenants: [tenants[0]],
          messages: Number(values['global-messages']),
          channelsPerTenant: Number(values['global-channels']),
        },
        `global-${latency}ms`,
      );
      globalBound.push({ answer_after_ms: latency, ...figures });
      log(`global-bound at ${latency} ms: ratio ${figures.ratio}, ours 429s ${figures.ours_429}`);
    }
    result.global_bound = globalBound;
    result.global_min_ratio = Math.min(...globalBound.map((g) => g.ratio));
    result.global_ours_429 = globalBound.reduce((n, g) => n + g.ours_429, 0);
  }
  result.launcher = launcher;
  if (!values.json) log(JSON.stringify(result, null, 2));
  console.log(JSON.stringify(result));
} finally {
  await fake.stop();
}
