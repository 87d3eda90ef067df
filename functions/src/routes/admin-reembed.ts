/**
 * Admin routes of a tenant's re-embed (docs/data/migration-pipeline.md): start, status (phase, progress,
 * CDC lag, latency, routing), one step, cutover, decommission and rollback. Every action is one idempotent
 * step on the persisted state, so a client (`npm run reembed`) may retry any call; with `{"queue": true}`
 * the reembedder agent runs the steps.
 */
import { SegmentName } from '@promethean/schemas/identifiers';
import { componentTelemetry } from '@promethean/shared/agent/telemetry';
import {
  ReembedPhaseError,
  type ReembedState,
} from '@promethean/shared/migrations/reembed/reembed-migration';
import type { ReembedPort } from '@promethean/shared/migrations/reembed/reembed-port';
import { reembedProgress } from '@promethean/shared/migrations/reembed/reembed-progress';
import { readRouting } from '@promethean/shared/migrations/reembed/vector-routing';
import { UnknownProviderError, UnknownTenantError } from '@promethean/shared/platform/registry-errors';
import { type Context, Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { z } from 'zod';
import { tenantReembedPort } from '../../storage/tenant-reembed-port.ts';
import { tenantStoragePorts } from '../../storage/tenant-storage-ports.ts';
import { adminAuth } from '../middleware/admin-auth.ts';
import { createFunctionsRuntime } from '../runtime-dependencies.ts';
import { enqueueMigrationChain, reportMigration } from './migration-chains.ts';

type Env = { Bindings: FunctionsEnv };

export const adminReembed = new Hono<Env>();
adminReembed.use('*', adminAuth());

const Goal = z.enum(['dual_write', 'cut_over', 'decommissioned']);

const StartReembed = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9_.-]{1,80}$/),
    model: z.string().min(1).max(200),
    dimension: z.number().int().positive().max(16_384),
    goal: Goal.default('dual_write'),
    /** Run the steps on the queue (the reembedder agent) instead of through `POST …/step` calls. */
    queue: z.boolean().default(false),
  })
  .strict();

const ActionBody = z.object({ queue: z.boolean().default(false) }).strict();

/** The tenant's re-embed port, or a 404 naming what providers.yml knows. */
function reembedOf(c: Context<Env>) {
  const provider = SegmentName.safeParse(c.req.param('provider'));
  const tenant = SegmentName.safeParse(c.req.param('tenant'));
  if (!provider.success || !tenant.success)
    throw new HTTPException(404, { message: 'no such provider/tenant' });
  const { deps } = createFunctionsRuntime(c.env);
  try {
    const view = deps.registry.tenant(provider.data, tenant.data);
    const port = tenantReembedPort(c.env, view);
    if (!port) throw new HTTPException(404, { message: `${view.provider}/${view.tenant} stores no vectors` });
    const scope = { provider: view.provider, tenant: view.tenant };
    return { port, scope, documents: tenantStoragePorts(c.env, view).documents! };
  } catch (e) {
    if (e instanceof UnknownProviderError || e instanceof UnknownTenantError) {
      throw new HTTPException(404, { message: e.message });
    }
    throw e;
  }
}

type Reembed = ReturnType<typeof reembedOf>;

async function answer(c: Context<Env>, r: Reembed, view: { state: ReembedState; lag: number } | undefined) {
  if (!view) throw new HTTPException(404, { message: 'no re-embed for this tenant' });
  await reportMigration(c.env, reembedProgress(r.scope, view.state, { lag: view.lag, at: Date.now() }));
  const { state, lag } = view;
  const total = state.total ?? 0;
  return { state, lag, progress: total > 0 ? Math.min(1, state.backfilled / total) : 1 };
}

/** Out-of-order steps are the caller's mistake (409); anything else is counted on the migration first. */
async function guarded<T>(c: Context<Env>, r: Reembed, work: (p: ReembedPort) => Promise<T>): Promise<T> {
  try {
    return await work(r.port);
  } catch (e) {
    if (e instanceof ReembedPhaseError) throw new HTTPException(409, { message: e.message });
    if (!(e instanceof HTTPException)) {
      const message = e instanceof Error ? e.message : String(e);
      componentTelemetry('admin-migrations', r.scope).error('re-embed step failed', { error: message });
      const view = await r.port.reembedStatus().catch(() => undefined);
      if (view) {
        await reportMigration(
          c.env,
          reembedProgress(r.scope, view.state, { lag: 0, at: Date.now(), errors: 1, lastError: message }),
        );
      }
    }
    throw e;
  }
}

const base = '/migrations/:provider/:tenant/reembed';

adminReembed.post(base, async (c) => {
  const body = StartReembed.safeParse(await c.req.json().catch(() => undefined));
  if (!body.success) {
    throw new HTTPException(400, {
      message: body.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
    });
  }
  const r = reembedOf(c);
  const { id, model, dimension, goal, queue } = body.data;
  const view = await guarded(c, r, (p) => p.reembedStart({ id, to: { model, dimension }, goal }));
  const chain = queue ? await enqueueMigrationChain(c.env, 'reembed', r.scope, view.state.id) : undefined;
  return c.json({ ...(await answer(c, r, view)), ...(chain && { chain }) }, 202);
});

adminReembed.get(base, async (c) => {
  const r = reembedOf(c);
  const routing = await readRouting(r.documents, 'messages');
  return c.json({ ...(await answer(c, r, await r.port.reembedStatus())), routing });
});

adminReembed.post(`${base}/step`, async (c) => {
  const r = reembedOf(c);
  const { more, ...view } = await guarded(c, r, (p) => p.reembedStep());
  return c.json({ ...(await answer(c, r, view)), more });
});

const actions: Record<string, (p: ReembedPort) => Promise<{ state: ReembedState; lag: number }>> = {
  cutover: (p) => p.reembedSetGoal('cut_over'),
  decommission: (p) => p.reembedSetGoal('decommissioned'),
  rollback: (p) => p.reembedRollback(),
};

adminReembed.post(`${base}/:action`, async (c) => {
  const action = actions[c.req.param('action')];
  if (!action) throw new HTTPException(404, { message: `no action ${c.req.param('action')}` });
  const body = ActionBody.safeParse(await c.req.json().catch(() => ({})));
  if (!body.success) throw new HTTPException(400, { message: 'the body may only hold {"queue": boolean}' });
  const r = reembedOf(c);
  const view = await guarded(c, r, action);
  const chain = body.data.queue
    ? await enqueueMigrationChain(c.env, 'reembed', r.scope, view.state.id)
    : undefined;
  return c.json({ ...(await answer(c, r, view)), ...(chain && { chain }) });
});
