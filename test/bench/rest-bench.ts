/**
 * `npm run bench:rest -- --json`: the same workload (messages across channels and two bot tenants)
 * through our RestBuckets Durable Object (inside `wrangler dev`) and through @discordjs/rest (the
 * baseline), against one fake Discord with Discord's rate-limit behaviour. Prints one JSON line last.
 */
import { parseArgs } from 'node:util';
import { REST } from '@discordjs/rest';
import { startFakeDiscord } from '../fake-discord/fake-discord-rest.ts';
import { startAccessWorker } from './access-worker-process.ts';
import { runBounded, summarize } from './latency-stats.ts';

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    messages: { type: 'string', default: '2000' },
    channels: { type: 'string', default: '20' },
    concurrency: { type: 'string', default: '100' },
  },
});
const total = Number(values.messages);
const channelsPerTenant = Number(values.channels);
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
const log = (msg: string) => console.error(`[bench:rest] ${msg}`);

// Discord's documented limits: 5 messages per 5 s per channel, 50 requests per second per bot.
const fake = await startFakeDiscord({
  tokens: Object.fromEntries(tenants.map((t) => [t.credential, { botUserId: t.bot, applicationId: t.app }])),
});

/** Jobs alternate between tenants, so both bots work at once as they would in production. */
function interleaved<T>(perTenant: (t: (typeof tenants)[number], i: number) => T): T[] {
  const out: T[] = [];
  for (let i = 0; i < total / tenants.length; i++) for (const t of tenants) out.push(perTenant(t, i));
  return out;
}

function workload(tenant: (typeof tenants)[number], i: number) {
  const channel = String(
    700_000_000_000_000_000n + BigInt((tenants.indexOf(tenant) + 1) * 1000 + (i % channelsPerTenant)),
  );
  return { channel, content: `bench message ${tenant.name} #${i}`, key: `bench-${tenant.name}-${i}` };
}

async function fakeCounters(): Promise<{ rateLimited: number; invalid: number }> {
  const state = fake.state.snapshot();
  return { rateLimited: state.rate_limited, invalid: fake.state.invalidRequests().count };
}

async function runOurs(): Promise<ReturnType<typeof summarize>> {
  log('starting the access Worker under wrangler dev...');
  const worker = await startAccessWorker(
    fake.restUrl,
    Object.fromEntries(tenants.map((t) => [t.name, t.credential])),
  );
  try {
    const jobs = interleaved((t, i) => async () => {
      const w = workload(t, i);
      const res = await fetch(`${worker.url}/dev/discord/${t.name}/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ channel_id: w.channel, content: w.content, idempotency_key: w.key }),
      });
      const body = (await res.json()) as { results?: Array<{ ok: boolean }> };
      return res.ok && (body.results ?? []).every((r) => r.ok);
    });
    log(`ours: ${jobs.length} messages, ${concurrency} in flight...`);
    const started = performance.now();
    const { latencies, failed } = await runBounded(jobs, concurrency);
    return summarize(latencies, failed, performance.now() - started);
  } finally {
    await worker.stop();
  }
}

async function runBaseline(): Promise<ReturnType<typeof summarize>> {
  const clients = new Map(
    tenants.map((t) => [
      t.name,
      new REST({ version: '10', api: fake.restUrl.replace(/\/v10$/, '') }).setToken(t.credential),
    ]),
  );
  const jobs = interleaved((t, i) => async () => {
    const w = workload(t, i);
    await clients.get(t.name)!.post(`/channels/${w.channel}/messages`, {
      body: { content: w.content, allowed_mentions: { parse: [] } },
    });
    return true;
  });
  log(`baseline (@discordjs/rest): ${jobs.length} messages, ${concurrency} in flight...`);
  const started = performance.now();
  const { latencies, failed } = await runBounded(jobs, concurrency);
  return summarize(latencies, failed, performance.now() - started);
}

try {
  const ours = await runOurs();
  const oursCounters = await fakeCounters();
  fake.reset();
  const baseline = await runBaseline();
  const baselineCounters = await fakeCounters();
  const result = {
    messages: total,
    channels: channelsPerTenant * tenants.length,
    tenants: tenants.length,
    ours_rps: ours.rps,
    baseline_rps: baseline.rps,
    ratio: Math.round((ours.rps / baseline.rps) * 1000) / 1000,
    ours_429: oursCounters.rateLimited,
    baseline_429: baselineCounters.rateLimited,
    ours_invalid: oursCounters.invalid,
    baseline_invalid: baselineCounters.invalid,
    ours_p50_ms: ours.p50_ms,
    ours_p99_ms: ours.p99_ms,
    baseline_p50_ms: baseline.p50_ms,
    baseline_p99_ms: baseline.p99_ms,
    ours_failed: ours.failed,
    baseline_failed: baseline.failed,
  };
  if (!values.json) log(JSON.stringify(result, null, 2));
  console.log(JSON.stringify(result));
} finally {
  await fake.stop();
}
