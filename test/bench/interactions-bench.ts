/**
 * `npm run bench:interactions -- --json`: signed interactions against the dev stack (both Workers under
 * `wrangler dev`, or Miniflare's API with STACK_LAUNCHER=miniflare; the output names it): PINGs and a
 * deferred `/status` command, one at a time and ten at a time, each with a fresh interaction id so the
 * replay guard (fail-closed) admits it. Per hop, from the functions Worker's Server-Timing header: the
 * functions route, the access RPC, the access Worker's own time, the signature check and the replay
 * guard; "response" is what the client saw beyond the route. The baseline, in the same run, is
 * `GET /health` on the same Worker at the same concurrency. Prints one JSON line last.
 *
 * The client does no work inside a timed request but send and read: every request is signed before its
 * phase starts (signing on the client's one event loop would otherwise delay the answers of the requests
 * already in flight), and it keeps one keep-alive connection per concurrent request (the run reports how
 * many it opened). As Discord does, each command is acknowledged at the fake Discord (the deferred
 * placeholder exists) before it is sent, so the after-answer follow-up succeeds instead of failing 10015.
 * Each run also reports the CPU the workerd processes and this process spent per request.
 */
import { Agent, request as httpRequest } from 'node:http';
import { parseArgs } from 'node:util';
import { credentialBindings } from '../../durable-objects/dev/credential-bindings.ts';
import { generateInteractionKeys, signInteraction } from '../../scripts/dev/interaction-signer.ts';
import { commandInteraction, pingInteraction } from '../interactions/discord-interaction-payloads.ts';
import { percentile, runBounded } from './latency-stats.ts';
import { STACK_BOT, startPipelineStack } from './pipeline-stack.ts';
import { workerdCpuMs } from './workerd-cpu.ts';

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    requests: { type: 'string', default: '200' },
    concurrency: { type: 'string', default: '1,10' },
    kinds: { type: 'string', default: 'health,ping,deferred' },
  },
});
const requests = Number(values.requests);
const log = (msg: string) => console.error(`[bench:interactions] ${msg}`);
const HOPS = ['route', 'access_rpc', 'access', 'verify', 'guard'] as const;
type Kind = 'health' | 'ping' | 'deferred';
const KINDS = values.kinds.split(',').map((k) => {
  if (k !== 'health' && k !== 'ping' && k !== 'deferred') throw new Error(`unknown kind ${k}`);
  return k as Kind;
});

const keys = await generateInteractionKeys();
const stack = await startPipelineStack({
  documents: 'sqlite',
  accessVars: credentialBindings({ discord: { duck: { public_key: keys.public_key_hex } } }),
  // Both Workers' ledger flush window from the environment (`0` = one write per batch), for A/B runs.
  ...(process.env.OPS_FLUSH_WINDOW_MS && {
    functionsVars: { OPS_FLUSH_WINDOW_MS: process.env.OPS_FLUSH_WINDOW_MS },
  }),
  log,
});
const target = new URL(stack.url);

interface Sample {
  total: number;
  hops: Record<string, number>;
}

interface Prepared {
  /** The interaction's webhook token (commands): its follow-up reaches the fake under this path. */
  token?: string;
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
  expectType?: number;
}

function hopsOf(header: string | string[] | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of String(header ?? '').split(',')) {
    const m = /^\s*(\w+);dur=([\d.]+)/.exec(part);
    if (m) out[m[1]!] = Number(m[2]);
  }
  return out;
}

/** Discord's side of a deferred answer: the interaction exists and has its "thinking…" placeholder. */
async function acknowledgeAtFake(id: string, token: string): Promise<void> {
  const res = await fetch(`${stack.fake.restUrl}/interactions/${id}/${token}/callback`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ type: 5 }),
  });
  await res.arrayBuffer();
  if (res.status !== 204) throw new Error(`the fake refused the acknowledgement: ${res.status}`);
}

async function prepare(kind: Kind): Promise<Prepared> {
  if (kind === 'health') return { method: 'GET', path: '/health', headers: {} };
  const interaction =
    kind === 'ping'
      ? pingInteraction(STACK_BOT.applicationId)
      : commandInteraction({ name: 'status', applicationId: STACK_BOT.applicationId });
  if (kind === 'deferred') await acknowledgeAtFake(interaction.id, interaction.token);
  const body = JSON.stringify(interaction);
  const signed = await signInteraction(keys, body);
  return {
    method: 'POST',
    path: '/interactions/discord/duck',
    headers: { ...signed.headers, 'content-length': String(Buffer.byteLength(body)) },
    body,
    expectType: kind === 'ping' ? 1 : 5,
    ...(kind === 'deferred' && { token: interaction.token }),
  };
}

/** One request on the phase's keep-alive agent; `sockets` counts the connections it opened. */
function send(p: Prepared, agent: Agent, sockets: WeakSet<object>, opened: { n: number }): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = httpRequest(
      { host: target.hostname, port: target.port, method: p.method, path: p.path, headers: p.headers, agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const total = performance.now() - t0;
          if (res.statusCode !== 200) {
            reject(new Error(`unexpected status ${res.statusCode}: ${Buffer.concat(chunks).toString()}`));
            return;
          }
          if (p.expectType !== undefined) {
            const answer = JSON.parse(Buffer.concat(chunks).toString()) as { type?: number };
            if (answer.type !== p.expectType) {
              reject(new Error(`unexpected answer ${JSON.stringify(answer)}`));
              return;
            }
          }
          resolve({ total, hops: hopsOf(res.headers['server-timing']) });
        });
      },
    );
    req.on('socket', (s) => {
      if (!sockets.has(s)) {
        sockets.add(s);
        opened.n++;
      }
    });
    req.on('error', reject);
    req.end(p.body);
  });
}

const round = (n: number) => Math.round(n * 10) / 10;

/**
 * Waits until the fake Discord has a 2xx follow-up for every token (the after-answer work is done), so
 * that work does not run into the next phase; resolves with when the last one arrived (epoch ms), or
 * null if some never came within `limitMs`.
 */
async function followUpsDone(tokens: ReadonlySet<string>, limitMs: number): Promise<number | null> {
  const until = Date.now() + limitMs;
  for (;;) {
    let last = 0;
    const seen = new Set<string>();
    for (const r of stack.fake.state.requests()) {
      if (r.status === undefined || r.status < 200 || r.status > 299) continue;
      const token = /^\/webhooks\/\d+\/([^/]+)/.exec(r.path)?.[1];
      if (token !== undefined && tokens.has(token)) {
        seen.add(token);
        last = Math.max(last, r.time);
      }
    }
    if (seen.size === tokens.size) return last;
    if (Date.now() > until) return null;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** status-reporter's admission refusals so far, from the ops ledger (null if it cannot be read). */
async function statusReporterRefusals(): Promise<number | null> {
  try {
    const r = await stack.admin('/admin/status');
    if (!r.ok) return null;
    const snapshot = (await r.json()) as {
      ledger?: { agents?: Array<{ agent: string; overloaded: number }> } | null;
    };
    return (snapshot.ledger?.agents ?? [])
      .filter((a) => a.agent === 'status-reporter')
      .reduce((n, a) => n + a.overloaded, 0);
  } catch {
    return null;
  }
}

async function measure(kind: Kind, concurrency: number) {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const sockets = new WeakSet<object>();
  const opened = { n: 0 };
  try {
    // A few untimed requests first: the first ones compile code and open the Durable Objects (and the
    // agent's connections).
    const warm = await Promise.all(Array.from({ length: Math.max(5, concurrency) }, () => prepare(kind)));
    await runBounded(
      warm.map((p) => () => send(p, agent, sockets, opened).then(() => true)),
      concurrency,
    );
    const openedWarm = opened.n;
    const prepared: Prepared[] = [];
    for (let i = 0; i < requests; i++) prepared.push(await prepare(kind));
    const samples: Sample[] = [];
    let failed = 0;
    const refused0 = kind === 'deferred' ? await statusReporterRefusals() : undefined;
    const cpu0 = { workerd: workerdCpuMs(), client: process.cpuUsage() };
    const started = performance.now();
    await runBounded(
      prepared.map((p) => async () => {
        try {
          samples.push(await send(p, agent, sockets, opened));
          return true;
        } catch (e) {
          failed++;
          log(String(e));
          return false;
        }
      }),
      concurrency,
    );
    const elapsed = performance.now() - started;
    const answeredAt = Date.now();
    const tokens = new Set(prepared.flatMap((p) => (p.token === undefined ? [] : [p.token])));
    const lastFollowUp = tokens.size > 0 ? await followUpsDone(tokens, 60_000) : undefined;
    const clientCpu = process.cpuUsage(cpu0.client);
    const refused1 = refused0 === undefined ? undefined : await statusReporterRefusals();
    const workerdCpu = workerdCpuMs() - cpu0.workerd;
    const stat = (xs: number[]) => {
      const sorted = [...xs].sort((a, b) => a - b);
      return { p50_ms: round(percentile(sorted, 50)), p99_ms: round(percentile(sorted, 99)) };
    };
    const hops: Record<string, { p50_ms: number; p99_ms: number }> = {};
    if (kind !== 'health') {
      for (const hop of HOPS) hops[hop] = stat(samples.map((s) => s.hops[hop] ?? 0));
      hops.response = stat(samples.map((s) => s.total - (s.hops.route ?? 0)));
    }
    return {
      kind,
      concurrency,
      requests,
      failed,
      ...stat(samples.map((s) => s.total)),
      rps: round(requests / (elapsed / 1000)),
      hops,
      // Commands: how long after the last answer the last follow-up reached the fake (null: not all came).
      ...(lastFollowUp !== undefined && {
        follow_ups_done_after_last_answer_ms:
          lastFollowUp === null ? null : Math.max(0, lastFollowUp - answeredAt),
      }),
      // Commands admission control sent back through the queue (each costs another delivery), per the ledger.
      ...(refused0 !== undefined &&
        refused1 !== undefined && {
          status_reporter_overloaded: refused0 === null || refused1 === null ? null : refused1 - refused0,
        }),
      // Over the timed requests and, for commands, their after-answer work up to the last follow-up.
      workerd_cpu_ms_per_request: round((workerdCpu / requests) * 100) / 100,
      client_cpu_ms_per_request: round(((clientCpu.user + clientCpu.system) / 1000 / requests) * 100) / 100,
      connections_opened: { warm_up: openedWarm, timed: opened.n - openedWarm },
    };
  } finally {
    agent.destroy();
  }
}

try {
  const runs = [];
  for (const concurrency of values.concurrency.split(',').map(Number)) {
    for (const kind of KINDS) {
      const r = await measure(kind, concurrency);
      log(
        `${kind} at concurrency ${concurrency}: p50 ${r.p50_ms} ms, p99 ${r.p99_ms} ms, ${r.failed} failed`,
      );
      runs.push(r);
    }
  }
  const at10 = runs.filter((r) => r.concurrency === 10 && r.kind !== 'health');
  const result = {
    launcher: stack.launcher,
    runs,
    worst_p99_at_10_ms: at10.length > 0 ? Math.max(...at10.map((r) => r.p99_ms)) : null,
    target_p99_ms: 50,
    failed: runs.reduce((n, r) => n + r.failed, 0),
    // 429s the fake Discord answered over the whole run (follow-ups included): the access layer should cause none.
    fake_discord_429: stack.fake.state.snapshot().rate_limited,
  };
  if (!values.json) log(JSON.stringify(result, null, 2));
  console.log(JSON.stringify(result));
} finally {
  await stack.stop();
}
