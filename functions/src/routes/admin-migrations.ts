/**
 * Admin routes of a tenant's store move (docs/data/migration-pipeline.md): start, status (phase, progress,
 * CDC lag, routing), one step, pause/resume, cutover, decommission and rollback. Every action is one
 * idempotent step on the persisted state, so a client (the `npm run store-move` CLI) may retry any call.
 */
import { SegmentName } from '@promethean/schemas/identifiers';
import { ControlConflictError } from '@promethean/shared/migrations/control-store';
import {
  DocumentBackend,
  readDocumentRouting,
} from '@promethean/shared/migrations/store-move/document-routing';
import {
  StoreMoveGoal,
  StoreMoveMigration,
  StoreMovePhaseError,
  type StoreMoveState,
} from '@promethean/shared/migrations/store-move/store-move-migration';
import { UnknownProviderError, UnknownTenantError } from '@promethean/shared/platform/registry-errors';
import { type Context, Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { z } from 'zod';
import { DurableObjectControlStore } from '../../storage/durable-object-control-store.ts';
import { readStorageEnv } from '../../storage/storage-env.ts';
import { documentBackendOf, documentStoreOn } from '../../storage/tenant-storage-ports.ts';
import { adminAuth } from '../middleware/admin-auth.ts';
import { createFunctionsRuntime } from '../runtime-dependencies.ts';

export const adminMigrations = new Hono<{ Bindings: FunctionsEnv }>();
adminMigrations.use('*', adminAuth());

const StartMove = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9_.-]{1,80}$/),
    to: DocumentBackend,
    goal: StoreMoveGoal.default('dual_write'),
    page_size: z.number().int().min(1).max(1_000).optional(),
  })
  .strict();

type Env = { Bindings: FunctionsEnv };

/** The tenant's move and what serves it now, or a 404 naming what providers.yml knows. */
function moveOf(c: Context<Env>, pageSize?: number) {
  const provider = SegmentName.safeParse(c.req.param('provider'));
  const tenant = SegmentName.safeParse(c.req.param('tenant'));
  if (!provider.success || !tenant.success)
    throw new HTTPException(404, { message: 'no such provider/tenant' });
  const { deps } = createFunctionsRuntime(c.env);
  let configured: DocumentBackend;
  const settings = readStorageEnv(c.env);
  try {
    configured = documentBackendOf(deps.registry.tenant(provider.data, tenant.data), settings);
  } catch (e) {
    if (e instanceof UnknownProviderError || e instanceof UnknownTenantError) {
      throw new HTTPException(404, { message: e.message });
    }
    throw e;
  }
  const scope = { provider: provider.data, tenant: tenant.data };
  const control = new DurableObjectControlStore(c.env.TENANT_DOCUMENTS, scope.provider, scope.tenant);
  const migration = new StoreMoveMigration({
    control,
    stores: {
      sqlite: documentStoreOn(c.env, scope, 'sqlite', settings),
      mongodb: documentStoreOn(c.env, scope, 'mongodb', settings),
    },
    ...(pageSize !== undefined && { pageSize }),
  });
  return { migration, control, configured, scope };
}

async function view(migration: StoreMoveMigration, state: StoreMoveState | undefined, more?: boolean) {
  if (!state) throw new HTTPException(404, { message: 'no store move for this tenant' });
  return {
    state,
    lag: await migration.lag(state),
    progress: state.total > 0 ? Math.min(1, state.backfilled / state.total) : 1,
    ...(more !== undefined && { more }),
  };
}

/** Out-of-order steps are the caller's mistake (409); a lost compare-and-set is retried by the caller. */
async function guarded<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (e instanceof StoreMovePhaseError) throw new HTTPException(409, { message: e.message });
    if (e instanceof ControlConflictError) throw new HTTPException(409, { message: e.message });
    throw e;
  }
}

const base = '/migrations/:provider/:tenant/store-move';

adminMigrations.post(base, async (c) => {
  const body = StartMove.safeParse(await c.req.json().catch(() => undefined));
  if (!body.success) {
    throw new HTTPException(400, {
      message: body.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
    });
  }
  const { migration, control, configured } = moveOf(c, body.data.page_size);
  const from = (await readDocumentRouting(control)).routing?.read ?? configured;
  const state = await guarded(() =>
    migration.start({ id: body.data.id, from, to: body.data.to, goal: body.data.goal }),
  );
  return c.json(await view(migration, state), 202);
});

adminMigrations.get(base, async (c) => {
  const { migration, control, configured } = moveOf(c);
  const routing = (await readDocumentRouting(control)).routing ?? { read: configured, write: [configured] };
  return c.json({ ...(await view(migration, await migration.status())), routing });
});

adminMigrations.post(`${base}/step`, async (c) => {
  const { migration } = moveOf(c);
  const { state, more } = await guarded(() => migration.step());
  return c.json(await view(migration, state, more));
});

const actions: Record<string, (m: StoreMoveMigration) => Promise<StoreMoveState>> = {
  pause: (m) => m.setPaused(true),
  resume: (m) => m.setPaused(false),
  cutover: (m) => m.setGoal('cut_over'),
  decommission: (m) => m.setGoal('decommissioned'),
  rollback: (m) => m.rollback(),
};

adminMigrations.post(`${base}/:action`, async (c) => {
  const action = actions[c.req.param('action')];
  if (!action) throw new HTTPException(404, { message: `no action ${c.req.param('action')}` });
  const { migration } = moveOf(c);
  return c.json(await view(migration, await guarded(() => action(migration))));
});
