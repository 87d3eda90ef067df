/**
 * `npm run bench:interactions -- --json`: signed interactions against the dev stack (both Workers under
 * `wrangler dev`, or Miniflare's API with STACK_LAUNCHER=miniflare; the output names it): PINGs and a deferred `/status` command, one at a time and ten at a time, each with a
 * fresh interaction id so the replay guard (fail-closed) admits it. Per hop, from the functions Worker's
 * Server-Timing header: the functions route, the access RPC, the access Worker's own time, the signature
 * check and the replay guard; "response" is what the client saw beyond the route. The baseline, in the
 * same run, is `GET /health` on the same Worker at the same concurrency. Prints one JSON line last.
 */
import { parseArgs } from 'node:util';
import { credentialBindings } from '../../durable-objects/dev/credential-bindings.ts';
import { generateInteractionKeys, signInteraction } from '../../scripts/dev/interaction-signer.ts';
import { commandInteraction, pingInteraction } from '../interactions/discord-interaction-payloads.ts';
import { percentile, runBounded } from './latency-stats.ts';
import { STACK_BOT, startPipelineStack } from './pipeline-stack.ts';

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    requests: { type: 'string', default: '200' },
    concurrency: { type: 'string', default: '1,10' },
  },
});
const requests = Number(values.requests);
const log = (msg: string) => console.error(`[bench:interactions] ${msg}`);
const HOPS = ['route', 'access_rpc', 'access', 'verify', 'guard'] as const;

const keys = await generateInteractionKeys();
const stack = await startPipelineStack({
  documents: 'sqlite',
  accessVars: credentialBindings({ discord: { duck: { public_key: keys.public_key_hex } } }),
  log,
});

interface Sample {
  total: number;
  hops: Record<string, number>;
}

function hopsOf(header: string | null): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of (header ?? '').split(',')) {
    const m = /^\s*(\w+);dur=([\d.]+)/.exec(part);
    if (m) out[m[1]!] = Number(m[2]);
  }
  return out;
}

async function signedPost(interaction: object, expectType: number): Promise<Sample> {
  const body = JSON.stringify(interaction);
  const signed = await signInteraction(keys, body);
  const t0 = performance.now();
  const res = await fetch(`${stack.url}/interactions/discord/duck`, {
    method: 'POST',
    headers: { ...signed.headers, 'content-type': 'application/json' },
    body,
  });
  const answer = (await res.json()) as { type?: number };
  const total = performance.now() - t0;
  if (res.status !== 200 || answer.type !== expectType)
    throw new Error(`unexpected answer ${res.status} ${JSON.stringify(answer)}`);
  return { total, hops: hopsOf(res.headers.get('server-timing')) };
}

async function health(): Promise<Sample> {
  const t0 = performance.now();
  const res = await fetch(`${stack.url}/health`);
  await res.arrayBuffer();
  return { total: performance.now() - t0, hops: {} };
}

const round = (n: number) => Math.round(n * 10) / 10;

async function measure(kind: 'ping' | 'deferred' | 'health', concurrency: number) {
  const samples: Sample[] = [];
  let failed = 0;
  const one = () => {
    if (kind === 'health') return health();
    if (kind === 'ping') return signedPost(pingInteraction(STACK_BOT.applicationId), 1);
    return signedPost(commandInteraction({ name: 'status', applicationId: STACK_BOT.applicationId }), 5);
  };
  // A few untimed requests first: the first ones compile code and open the Durable Objects.
  await runBounded(
    Array.from({ length: 5 }, () => () => one().then(() => true)),
    1,
  );
  await runBounded(
    Array.from({ length: requests }, () => async () => {
      try {
        samples.push(await one());
        return true;
      } catch (e) {
        failed++;
        log(String(e));
        return false;
      }
    }),
    concurrency,
  );
  const stat = (xs: number[]) => {
    const sorted = [...xs].sort((a, b) => a - b);
    return { p50_ms: round(percentile(sorted, 50)), p99_ms: round(percentile(sorted, 99)) };
  };
  const hops: Record<string, { p50_ms: number; p99_ms: number }> = {};
  if (kind !== 'health') {
    for (const hop of HOPS) hops[hop] = stat(samples.map((s) => s.hops[hop] ?? 0));
    hops.response = stat(samples.map((s) => s.total - (s.hops.route ?? 0)));
  }
  return { kind, concurrency, requests, failed, ...stat(samples.map((s) => s.total)), hops };
}

try {
  const runs = [];
  for (const concurrency of values.concurrency.split(',').map(Number)) {
    for (const kind of ['health', 'ping', 'deferred'] as const) {
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
  };
  if (!values.json) log(JSON.stringify(result, null, 2));
  console.log(JSON.stringify(result));
} finally {
  await stack.stop();
}
