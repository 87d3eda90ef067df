/**
 * Admin routes over a tenant's dead letters (`/admin/dead-letters/<provider>/<tenant>`, `unknown/unknown`
 * for letters without a tenant): list with filters, show one, replay one (at most once), purge by id,
 * by filter or all. Every change reports the archive's new depth to the ops ledger.
 */
import { SegmentName } from '@promethean/schemas/identifiers';
import { componentTelemetry } from '@promethean/shared/agent/telemetry';
import { LetterFilter, type LetterScope, PurgeRequest } from '@promethean/shared/ops/dead-letter-records';
import { type Context, Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { adminAuth } from '../src/middleware/admin-auth.ts';
import { deadLetterArchive, opsLedger } from './ops-bindings.ts';
import { optionalJson } from './ops-routes.ts';

export const adminDeadLetters = new Hono<{ Bindings: FunctionsEnv }>();
adminDeadLetters.use('*', adminAuth());

function scope(c: Context): LetterScope {
  const provider = SegmentName.safeParse(c.req.param('provider'));
  const tenant = SegmentName.safeParse(c.req.param('tenant'));
  if (!provider.success || !tenant.success) {
    throw new HTTPException(400, { message: 'the path must be /admin/dead-letters/<provider>/<tenant>' });
  }
  return { provider: provider.data, tenant: tenant.data };
}

function issues(error: { issues: ReadonlyArray<{ path: PropertyKey[]; message: string }> }): string {
  return error.issues.map((i) => `${i.path.map(String).join('.') || '(body)'}: ${i.message}`).join('; ');
}

async function reportDepth(env: FunctionsEnv, s: LetterScope, depth: number): Promise<void> {
  await opsLedger(env)
    .setDeadLetterDepth(s.provider, s.tenant, depth)
    .catch((e: unknown) =>
      componentTelemetry('dead-letter-routes', s).warn('depth not reported', { error: String(e) }),
    );
}

adminDeadLetters.get('/:provider/:tenant', async (c) => {
  const s = scope(c);
  const filter = LetterFilter.safeParse(c.req.query());
  if (!filter.success) throw new HTTPException(400, { message: `invalid filter: ${issues(filter.error)}` });
  const result = await deadLetterArchive(c.env, s).list(filter.data);
  return c.json({ ...s, ...result });
});

adminDeadLetters.get('/:provider/:tenant/:id', async (c) => {
  const s = scope(c);
  const letter = await deadLetterArchive(c.env, s).get(c.req.param('id'));
  if (!letter)
    throw new HTTPException(404, {
      message: `no dead letter ${c.req.param('id')} for ${s.provider}/${s.tenant}`,
    });
  return c.json(letter);
});

adminDeadLetters.post('/:provider/:tenant/:id/replay', async (c) => {
  const s = scope(c);
  const archive = deadLetterArchive(c.env, s);
  const outcome = await archive.replay(c.req.param('id'));
  if (outcome.status === 'not_found') {
    throw new HTTPException(404, { message: `no dead letter ${outcome.id} for ${s.provider}/${s.tenant}` });
  }
  if (outcome.status === 'refused') {
    throw new HTTPException(422, {
      message: `dead letter ${outcome.id} cannot be replayed: ${outcome.reason}`,
    });
  }
  await reportDepth(c.env, s, (await archive.depth()).pending);
  return c.json(outcome, outcome.status === 'replayed' ? 202 : 200);
});

adminDeadLetters.delete('/:provider/:tenant/:id', async (c) => {
  const s = scope(c);
  const result = await deadLetterArchive(c.env, s).purge({ id: c.req.param('id') });
  if (result.purged === 0) {
    throw new HTTPException(404, {
      message: `no dead letter ${c.req.param('id')} for ${s.provider}/${s.tenant}`,
    });
  }
  await reportDepth(c.env, s, result.depth.pending);
  return c.json({ ...s, ...result });
});

adminDeadLetters.post('/:provider/:tenant/purge', async (c) => {
  const s = scope(c);
  const request = PurgeRequest.safeParse(await optionalJson(c.req.raw));
  if (!request.success) throw new HTTPException(400, { message: `invalid purge: ${issues(request.error)}` });
  const result = await deadLetterArchive(c.env, s).purge(request.data);
  await reportDepth(c.env, s, result.depth.pending);
  return c.json({ ...s, ...result });
});
