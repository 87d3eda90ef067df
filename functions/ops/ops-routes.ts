/**
 * Operations over HTTP: `GET /health` (liveness), `GET /ready` (readiness, 503 when not ready),
 * `GET /metrics` (Prometheus text; `?format=json` for JSON; admin token), and under `/admin` the full
 * status snapshot and the pause/resume/stop/start controls for agents.
 */

import { metricFamilies } from '@promethean/shared/ops/metrics-families';
import { AgentControl } from '@promethean/shared/ops/ops-delta';
import { PROMETHEUS_CONTENT_TYPE, renderPrometheus } from '@promethean/shared/ops/prometheus-text';
import { storeChecks } from '@promethean/shared/ops/readiness-probes';
import type { TenantView } from '@promethean/shared/platform/provider-registry';
import { Hono, type MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { z } from 'zod';
import { FUNCTION_AGENTS } from '../src/agents.ts';
import { adminAuth } from '../src/middleware/admin-auth.ts';
import { countedRuntime, functionsOps } from './functions-ops.ts';
import { ledgerPort, ledgerSnapshot, opsLedger } from './ops-bindings.ts';
import { gatherStatus } from './status-source.ts';

/** Counts every HTTP request as one Worker invocation in this isolate's counters. */
export const countInvocations = (): MiddlewareHandler =>
  async function countInvocations(_c, next) {
    functionsOps().recorder.invocation();
    await next();
  };

/** `/ready` is open (probes need no token), so its store probes run at most this often per isolate. */
const READY_CACHE_MS = 5_000;

export const opsRoutes = new Hono<{ Bindings: FunctionsEnv }>();

opsRoutes.get('/health', async (c) => {
  const ops = functionsOps();
  await ops.refreshControls(ledgerPort(c.env)); // at most once per controls TTL: PAUSED/STOPPED show here too
  const agents = FUNCTION_AGENTS.map((a) => ({
    ...ops.health(a).report(),
    inputs: a.manifest.inputs.map((i) => i.topic),
  }));
  const live = agents.every((a) => a.live);
  const status = agents.every((a) => a.state === 'RUNNING') ? 'RUNNING' : 'DEGRADED';
  return c.json(
    {
      worker: 'promethean-functions',
      build_sha: c.env.BUILD_SHA,
      isolate: ops.isolate,
      live,
      status,
      agents,
    },
    live ? 200 : 503,
  );
});

opsRoutes.get('/ready', async (c) => {
  const ops = functionsOps();
  const { deps } = countedRuntime(c.env, ops);
  const portsFor = (tenant: TenantView) =>
    typeof deps.ports === 'function' ? deps.ports(tenant) : deps.ports;
  const results = await ops.checkReadiness((agent) => storeChecks(agent, deps.registry, portsFor), {
    maxAgeMs: READY_CACHE_MS,
  });
  const ready = results.every((r) => r.ready);
  return c.json({ worker: 'promethean-functions', ready, agents: results }, ready ? 200 : 503);
});

opsRoutes.get('/metrics', adminAuth(), async (c) => {
  const format = c.req.query('format') ?? 'prometheus';
  if (format !== 'json' && format !== 'prometheus') {
    throw new HTTPException(400, { message: `format must be json or prometheus, got "${format}"` });
  }
  const ops = functionsOps();
  await ops.flush(ledgerPort(c.env)); // this isolate's latest counts belong in the answer
  const snapshot = await gatherStatus(c.env, ops);
  if (format === 'json') return c.json(snapshot);
  return c.body(renderPrometheus(metricFamilies(snapshot)), 200, { 'content-type': PROMETHEUS_CONTENT_TYPE });
});

/** `/admin/status` and the agent controls. */
export const adminOps = new Hono<{ Bindings: FunctionsEnv }>();
adminOps.use('*', adminAuth());

adminOps.get('/status', async (c) => {
  const ops = functionsOps();
  await ops.flush(ledgerPort(c.env));
  return c.json(await gatherStatus(c.env, ops));
});

adminOps.get('/agents', async (c) => {
  const snapshot = await ledgerSnapshot(c.env);
  return c.json({ agents: snapshot.health, controls: snapshot.controls });
});

/** The JSON body, `{}` when there is none; a body that is not JSON is a 400. */
export async function optionalJson(request: Request): Promise<unknown> {
  const text = await request.text();
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HTTPException(400, { message: 'the body must be JSON' });
  }
}

const ACTIONS = { pause: 'paused', stop: 'stopped', resume: 'running', start: 'running' } as const;
const ControlBody = z.object({ reason: z.string().max(500).optional() }).strict();

adminOps.post('/agents/:agent/:action', async (c) => {
  const action = c.req.param('action');
  if (!Object.hasOwn(ACTIONS, action)) {
    throw new HTTPException(404, { message: `no agent action "${action}" (pause, resume, stop, start)` });
  }
  const agent = c.req.param('agent');
  const ledger = opsLedger(c.env);
  const known = new Set([
    ...FUNCTION_AGENTS.map((a) => a.manifest.id),
    ...(await ledgerSnapshot(c.env)).health.map((h) => h.agent),
  ]);
  if (!known.has(agent))
    throw new HTTPException(404, { message: `no agent "${agent}" has reported to the ops ledger` });
  const body = ControlBody.safeParse(await optionalJson(c.req.raw));
  if (!body.success)
    throw new HTTPException(400, { message: `invalid body: ${body.error.issues[0]?.message}` });
  const controls = z
    .array(AgentControl)
    .parse(await ledger.setControl({ agent, state: ACTIONS[action as keyof typeof ACTIONS], ...body.data }));
  functionsOps().applyControls(controls); // this isolate at once; the others within the controls TTL
  return c.json({ agent, action, controls });
});
