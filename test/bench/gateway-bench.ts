/**
 * `npm run bench:gateway -- --json`: events per second from the fake gateway through the
 * GatewaySession Durable Object onto the bus, and the time from a forced disconnect to RESUMED.
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
  },
});
const events = Number(values.events);
const resumes = Number(values.resumes);
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

const worker = await startAccessWorker(fake.restUrl, { duck: credential });
try {
  const health = `${worker.url}/dev/discord/duck/gateway/0`;
  await fetch(`${health}/start`, { method: 'POST' });
  const ready = await poll(health, (h) => h.status === 'ready', 30_000);
  const sessionId = ready.session_id!;
  log(`session ${sessionId} ready; dispatching ${events} MESSAGE_CREATE events...`);
  const publishedBefore = ready.published;
  const started = performance.now();
  for (let i = 0; i < events; i++) fake.gateway.dispatch(sessionId, 'MESSAGE_CREATE', message(i));
  // Each MESSAGE_CREATE becomes two envelopes: the raw event and SocialMessageCreated.
  await poll(health, (h) => h.published >= publishedBefore + 2 * events, 300_000);
  const seconds = (performance.now() - started) / 1000;
  const resumeMs: number[] = [];
  for (let r = 0; r < resumes; r++) {
    const before = await poll(health, (h) => h.status === 'ready', 30_000);
    const resumed = new Promise<void>((resolve) => fake.gateway.events.once('resumed', () => resolve()));
    const t0 = performance.now();
    fake.gateway.drop(sessionId);
    await resumed;
    resumeMs.push(performance.now() - t0);
    await poll(health, (h) => h.connections > before.connections && h.status === 'ready', 30_000);
  }
  const sorted = [...resumeMs].sort((a, b) => a - b);
  const result = {
    events,
    events_per_s: Math.round(events / seconds),
    publish_seconds: Math.round(seconds * 100) / 100,
    resumes,
    disconnect_to_resumed_p50_ms: Math.round(percentile(sorted, 50)),
    disconnect_to_resumed_max_ms: Math.round(sorted[sorted.length - 1] ?? 0),
  };
  if (!values.json) log(JSON.stringify(result, null, 2));
  console.log(JSON.stringify(result));
} finally {
  await worker.stop();
  await fake.stop();
}
