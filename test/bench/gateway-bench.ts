/**
 * `npm run bench:gateway -- --json`: events per second from the fake gateway through the
 * GatewaySession Durable Object onto the bus (until nothing is held for coalescing), with the same burst
 * through an access Worker whose coalescing is off (`GATEWAY_COALESCE=off`, one queue message per
 * envelope) as the baseline of the same run; the time from a forced disconnect to RESUMED (a dropped
 * socket, and the instance thrown away as a deploy does), and that events sent meanwhile are published
 * exactly once. `--no-baseline` skips the uncoalesced run.
 * Prints one JSON line last.
 */
import { parseArgs } from 'node:util';
import { startFakeDiscord } from '../fake-discord/fake-discord-rest.ts';
import { startAccessWorker } from './access-worker-process.ts';
import { percentile } from './latency-stats.ts';

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    events: { type: 'string', default: '3000' },
    resumes: { type: 'string', default: '5' },
    evictions: { type: 'string', default: '5' },
    'no-baseline': { type: 'boolean', default: false },
  },
});
const events = Number(values.events);
const resumes = Number(values.resumes);
const evictions = Number(values.evictions);
/** Events dispatched at Discord while each disconnect lasts. */
const IN_GAP = 10;
/** Envelopes each MESSAGE_CREATE becomes in the lean publish mode (the default): SocialMessageCreated. */
const PER_EVENT = 1;
const log = (msg: string) => console.error(`[bench:gateway] ${msg}`);
const credential = 'bench-gateway-credential';
const fake = await startFakeDiscord({
  tokens: { [credential]: { botUserId: '900000000000000101', applicationId: '900000000000000001' } },
});

interface Health {
  status: string;
  session_id?: string;
  published: number;
  connections: number;
  recent_seqs: number[];
  /** Envelopes not yet on the bus (held for coalescing or in a publish under way). */
  held?: number;
  /** Queue messages the session has sent (a coalesced one carries several envelopes). */
  queue_messages?: number;
}

async function poll(url: string, ok: (h: Health) => boolean, timeoutMs: number): Promise<Health> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const h = (await (await fetch(url)).json()) as Health;
    if (ok(h)) return h;
    if (Date.now() > deadline)
      throw new Error(`gateway did not reach the expected state: ${JSON.stringify(h)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function message(i: number) {
  return {
    id: String(1_400_000_000_000_000_000n + BigInt(i)),
    channel_id: '700000000000000001',
    guild_id: '800000000000000001',
    author: { id: '300000000000000001', username: 'ada', global_name: null },
    content: `bench ${i}`,
    timestamp: new Date().toISOString(),
    edited_timestamp: null,
    mentions: [],
    mention_roles: [],
    mention_everyone: false,
    attachments: [],
  };
}

interface BusThroughput {
  events_per_s: number;
  publish_seconds: number;
  queue_messages_per_event: number;
}

/** Dispatches the burst at a ready session and times it until every envelope is on the bus. */
async function burstOntoBus(health: string, ready: Health): Promise<BusThroughput> {
  const sessionId = ready.session_id!;
  log(`session ${sessionId} ready; dispatching ${events} MESSAGE_CREATE events...`);
  const started = performance.now();
  for (let i = 0; i < events; i++) fake.gateway.dispatch(sessionId, 'MESSAGE_CREATE', message(i));
  const done = await poll(
    health,
    (h) => h.published >= ready.published + PER_EVENT * events && (h.held ?? 0) === 0,
    300_000,
  );
  const seconds = (performance.now() - started) / 1000;
  return {
    events_per_s: Math.round(events / seconds),
    publish_seconds: Math.round(seconds * 100) / 100,
    queue_messages_per_event:
      Math.round((((done.queue_messages ?? 0) - (ready.queue_messages ?? 0)) / events) * 1000) / 1000,
  };
}

async function startSession(url: string): Promise<{ health: string; ready: Health }> {
  const health = `${url}/dev/discord/duck/gateway/0`;
  await fetch(`${health}/start`, { method: 'POST' });
  return { health, ready: await poll(health, (h) => h.status === 'ready', 30_000) };
}

let uncoalesced: BusThroughput | undefined;
if (!values['no-baseline']) {
  log('baseline: the same burst with GATEWAY_COALESCE=off (one queue message per envelope)');
  const off = await startAccessWorker(fake.restUrl, { duck: credential }, { GATEWAY_COALESCE: 'off' });
  try {
    const { health, ready } = await startSession(off.url);
    uncoalesced = await burstOntoBus(health, ready);
  } finally {
    await off.stop();
  }
}

const worker = await startAccessWorker(fake.restUrl, { duck: credential });
try {
  const { health, ready } = await startSession(worker.url);
  const sessionId = ready.session_id!;
  const coalesced = await burstOntoBus(health, ready);
  const resumeMs: number[] = [];
  const evictedMs: number[] = [];
  const dispatched: number[] = [];
  /**
   * One disconnect: the socket goes (dropped by the fake, or the Durable Object instance is thrown
   * away as a deploy does), events keep arriving at Discord meanwhile, and the time runs until the
   * fake sees RESUMED. Those events must then be published exactly once.
   */
  const disconnect = async (kind: 'drop' | 'evict') => {
    const before = await poll(health, (h) => h.status === 'ready', 30_000);
    const resumed = new Promise<void>((resolve) => fake.gateway.events.once('resumed', () => resolve()));
    const t0 = performance.now();
    if (kind === 'drop') fake.gateway.drop(sessionId);
    else await fetch(`${health}/evict`, { method: 'POST' });
    for (let i = 0; i < IN_GAP; i++)
      dispatched.push(
        ...fake.gateway.dispatch(sessionId, 'MESSAGE_CREATE', message(events + dispatched.length)),
      );
    // An evicted instance comes back on its next event; the platform's would be its alarm or a request.
    if (kind === 'evict') await fetch(health);
    await resumed;
    (kind === 'drop' ? resumeMs : evictedMs).push(performance.now() - t0);
    await poll(
      health,
      (h) =>
        h.connections > before.connections &&
        h.status === 'ready' &&
        h.published >= before.published + PER_EVENT * IN_GAP,
      30_000,
    );
  };
  for (let r = 0; r < resumes; r++) await disconnect('drop');
  for (let r = 0; r < evictions; r++) await disconnect('evict');
  const final = await poll(health, (h) => h.status === 'ready', 30_000);
  const seen = final.recent_seqs.filter((q) => dispatched.includes(q));
  const lost = dispatched.filter((q) => !final.recent_seqs.includes(q)).length;
  const duplicated = seen.length - new Set(seen).size;
  const p50 = (xs: number[]) =>
    Math.round(
      percentile(
        [...xs].sort((a, b) => a - b),
        50,
      ),
    );
  const max = (xs: number[]) => Math.round(Math.max(0, ...xs));
  const result = {
    events,
    ...coalesced,
    ...(uncoalesced && {
      baseline_uncoalesced: uncoalesced,
      events_per_s_vs_uncoalesced:
        Math.round((coalesced.events_per_s / uncoalesced.events_per_s) * 100) / 100,
    }),
    resumes,
    disconnect_to_resumed_p50_ms: p50(resumeMs),
    disconnect_to_resumed_max_ms: max(resumeMs),
    evictions,
    evicted_to_resumed_p50_ms: p50(evictedMs),
    evicted_to_resumed_max_ms: max(evictedMs),
    events_during_disconnects: dispatched.length,
    lost,
    duplicated,
  };
  if (!values.json) log(JSON.stringify(result, null, 2));
  console.log(JSON.stringify(result));
} finally {
  await worker.stop();
  await fake.stop();
}
