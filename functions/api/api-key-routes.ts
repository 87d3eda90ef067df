/**
 * Admin routes for `/v1` API keys (behind the ADMIN_TOKEN): create one for a tenant in providers.yml (the
 * only answer that ever shows the key), list them without secrets, revoke one by its key id.
 */
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { adminAuth } from '../src/middleware/admin-auth.ts';
import { tenantWithPorts } from '../status-page/status-page-data.ts';
import { CreateApiKey } from './api-keys.ts';
import { apiKeysStub } from './worker-v1-backend.ts';

export const apiKeyAdmin = new Hono<{ Bindings: FunctionsEnv }>();
apiKeyAdmin.use('*', adminAuth());

apiKeyAdmin.post('/', async (c) => {
  const body = await c.req.json().catch(() => {
    throw new HTTPException(400, { message: 'body must be JSON' });
  });
  const input = CreateApiKey.safeParse(body);
  if (!input.success)
    throw new HTTPException(400, {
      message: input.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
    });
  if (!tenantWithPorts(c.env, input.data.provider, input.data.tenant))
    throw new HTTPException(404, {
      message: `providers.yml has no tenant ${input.data.provider}/${input.data.tenant}`,
    });
  const created = await apiKeysStub(c.env).create(input.data);
  return c.json({ ...created.record, key: created.key }, 201);
});

apiKeyAdmin.get('/', async (c) => c.json({ keys: await apiKeysStub(c.env).list() }));

apiKeyAdmin.delete('/:key_id', async (c) => {
  const revoked = await apiKeysStub(c.env).revoke(c.req.param('key_id'));
  if (!revoked) throw new HTTPException(404, { message: `no live API key ${c.req.param('key_id')}` });
  return c.json({ key_id: c.req.param('key_id'), revoked: true });
});
