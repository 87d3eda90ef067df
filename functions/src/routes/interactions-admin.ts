/**
 * `POST /admin/commands/<provider>/<tenant>[?dry_run=1]`: registers the tenant's slash commands (an
 * idempotent bulk overwrite, done by the access layer with the tenant's token) and answers what
 * changed. Admin only (`ADMIN_TOKEN`); `npm run commands:register` calls it.
 */
import { SegmentName } from '@promethean/schemas/identifiers';
import { accessRpc } from '@promethean/shared/platform/access-rpc';
import { Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { adminAuth } from '../middleware/admin-auth.ts';

export const commandAdmin = new Hono<{ Bindings: FunctionsEnv }>();

commandAdmin.use('*', adminAuth());

commandAdmin.post('/:provider/:tenant', async (c) => {
  const provider = SegmentName.safeParse(c.req.param('provider'));
  const tenant = SegmentName.safeParse(c.req.param('tenant'));
  if (!provider.success || !tenant.success)
    return c.json({ error: 'not_found', message: 'no such provider or tenant' }, 404);
  const dryRun = ['1', 'true'].includes(c.req.query('dry_run') ?? '');
  const result = await accessRpc(c.env).syncCommands({
    provider: provider.data,
    tenant: tenant.data,
    dry_run: dryRun,
  });
  if ('error' in result) return c.json(result, result.status as ContentfulStatusCode);
  return c.json(result, 200);
});
