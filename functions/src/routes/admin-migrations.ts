/**
 * Admin routes of a tenant's store move (docs/data/migration-pipeline.md): start, status (phase, progress,
 * CDC lag, routing), one step, pause/resume, cutover, decommission and rollback. Every action is one
 * idempotent step on the persisted state, so a client (the `npm run store-move` CLI) may retry any call.
 */
import { SegmentName } from '@promethean/schemas/identifiers';
import { componentTelemetry } from '@promethean/shared/agent/telemetry';
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
import { storeMoveProgress } from '@promethean/shared/migrations/store-move/store-move-progress';
import { UnknownProviderError, UnknownTenantError } from '@promethean/shared/platform/registry-errors';
import { type Context, Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { z } from 'zod';
import { DurableObjectControlStore } from '../../storage/durable-object-control-store.ts';
import { readStorageEnv } from '../../storage/storage-env.ts';
import { documentBackendOf, documentStoreOn } from '../../storage/tenant-storage-ports.ts';
import { adminAuth } from '../middleware/admin-auth.ts';
import { createFunctionsRuntime } from '../runtime-dependencies.ts';
import { enqueueMigrationChain, reportMigration } from './migration-chains.ts';

export const adminMigrations = new Hono<{ Bindings: FunctionsEnv }>();
adminMigrations.use('*', adminAuth());

const StartMove = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9_.-]{1,80}$/),
    to: DocumentBackend,
    goal: StoreMoveGoal.default('dual_write'),
    page_size: z.number().int().min(1).max(1_000).optional(),
    /** Run the steps on the queue (the store-mover agent) instead of through `POST …/step` calls. */
    queue: z.boolean().default(false),
  })
  .strict();

const ActionBody = z.object({ queue: z.boolean().default(false) }).strict();

/** Starts a chain of queue steps for the move (the store-mover agent runs them until `more` is false). */
const enqueueSteps = (c: Context<Env>, move: Move, id: string) =>
  enqueueMigrationChain(c.env, 'store-move', move.scope, id);

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

type Move = ReturnType<typeof moveOf>;

/** Hands a progress report to the ops ledger at once (see migration-chains.ts). */
const report = (c: Context<Env>, progress: ReturnType<typeof storeMoveProgress>) =>
  reportMigration(c.env, progress);

async function view(c: Context<Env>, move: Move, state: StoreMoveState | undefined, more?: boolean) {
  if (!state) throw new HTTPException(404, { message: 'no store move for this tenant' });
  const lag = await move.migration.lag(state);
  await report(c, storeMoveProgress(move.scope, state, { lag, at: Date.now() }));
  return {
    state,
    lag,
    progress: state.total > 0 ? Math.min(1, state.backfilled / state.total) : 1,
    ...(more !== undefined && { more }),
  };
}

/**
 * Out-of-order steps are the caller's mistake (409); a lost compare-and-set is retried by the caller.
 * Anything else failed the step: it is counted on the migration (metrics, status page) before the 500.
 */
async function guarded<T>(c: Context<Env>, move: Move, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (e instanceof StoreMovePhaseError) throw new HTTPException(409, { message: e.message });
    if (e instanceof ControlConflictError) throw new HTTPException(409, { message: e.message });
    if (!(e instanceof HTTPException)) await reportFailure(c, move, e);
    throw e;
  }
}

async function reportFailure(c: Context<Env>, move: Move, error: unknown): Promise<void> {
  const message = error instanceof Error ? error.message : String(error);
  componentTelemetry('admin-migrations', move.scope).error('store move step failed', { error: message });
  const state = await move.migration.status().catch(() => undefined);
  if (!state) return; // without a state there is no migration to count it on; the log line above has it
  await report(
    c,
    storeMoveProgress(move.scope, state, { lag: 0, at: Date.now(), errors: 1, lastError: message }),
  );
}

const base = '/migrations/:provider/:tenant/store-move';

adminMigrations.post(base, async (c) => {
  const body = StartMove.safeParse(await c.req.json().catch(() => undefined));
  if (!body.success) {
    throw new HTTPException(400, {
      message: body.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
    });
  }
  const move = moveOf(c, body.data.page_size);
  const { migration, control, configured } = move;
  const from = (await readDocumentRouting(control)).routing?.read ?? configured;
  const state = await guarded(c, move, () =>
    migration.start({ id: body.data.id, from, to: body.data.to, goal: body.data.goal }),
  );
  const chain = body.data.queue ? await enqueueSteps(c, move, state.id) : undefined;
  return c.json({ ...(await view(c, move, state)), ...(chain && { chain }) }, 202);
});

adminMigrations.get(base, async (c) => {
  const move = moveOf(c);
  const { migration, control, configured } = move;
  const routing = (await readDocumentRouting(control)).routing ?? { read: configured, write: [configured] };
  return c.json({ ...(await view(c, move, await migration.status())), routing });
});

adminMigrations.post(`${base}/step`, async (c) => {
  const move = moveOf(c);
  const { state, more } = await guarded(c, move, () => move.migration.step());
  return c.json(await view(c, move, state, more));
});

const actions: Record<string, (m: StoreMoveMigration) => Promise<StoreMoveState>> = {
  pause: (m) => m.setPaused(true),
  resume: (m) => m.setPaused(false),
  cutover: (m) => m.setGoal('cut_over'),
  decommission: (m) => m.setGoal('decommissioned'),
  rollback: (m) => m.rollback(),
  // Compares both stores now (the step after a drained cutover does it once on its own).
  verify: (m) => m.verify(),
  // Compares, then makes what differs in the new store what the old store holds (writers should be quiet).
  repair: (m) => m.verify({ repair: true }),
};

adminMigrations.post(`${base}/:action`, async (c) => {
  const action = actions[c.req.param('action')];
  if (!action) throw new HTTPException(404, { message: `no action ${c.req.param('action')}` });
  const body = ActionBody.safeParse(await c.req.json().catch(() => ({})));
  if (!body.success) throw new HTTPException(400, { message: 'the body may only hold {"queue": boolean}' });
  const move = moveOf(c);
  const state = await guarded(c, move, () => action(move.migration));
  const chain = body.data.queue ? await enqueueSteps(c, move, state.id) : undefined;
  return c.json({ ...(await view(c, move, state)), ...(chain && { chain }) });
});
