/** The echo provider's "network" in development: scripted input in, transcript out. */
import { SegmentName } from '@promethean/schemas/identifiers';
import { ProviderRegistry } from '@promethean/shared/platform/provider-registry';
import { EchoScript } from '@promethean/shared/providers/echo/echo-script';
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import providersYml from '../../../providers.yml';

export const devEcho = new Hono<{ Bindings: AccessEnv }>();

devEcho.use('*', async function echoTenant(c, next) {
  const tenant = SegmentName.safeParse(c.req.param('tenant'));
  const registry = ProviderRegistry.fromYaml(providersYml);
  if (!tenant.success || !registry.tenants('echo').some((t) => t.tenant === tenant.data)) {
    throw new HTTPException(404, { message: `no echo tenant "${c.req.param('tenant')}" in providers.yml` });
  }
  await next();
});

function conversation(env: AccessEnv, tenant: string) {
  return env.ECHO_CONVERSATION.get(env.ECHO_CONVERSATION.idFromName(tenant));
}

devEcho.post('/messages', async (c) => {
  const tenant = c.req.param('tenant')!;
  const body: unknown = await c.req.json().catch(() => {
    throw new HTTPException(400, { message: 'body must be JSON: {"messages": [...]}' });
  });
  const script = EchoScript.safeParse(body);
  if (!script.success) {
    const issues = script.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new HTTPException(400, { message: `invalid echo script: ${issues.join('; ')}` });
  }
  const view = ProviderRegistry.fromYaml(providersYml).tenant('echo', tenant);
  const ids = await conversation(c.env, tenant).say(
    tenant,
    script.data,
    String(view.config.settings.bot_user_id ?? '100'),
  );
  return c.json({ accepted: ids.length, foreign_ids: ids }, 202);
});

devEcho.get('/transcript', async (c) => {
  const channel = c.req.query('channel');
  return c.json({ messages: await conversation(c.env, c.req.param('tenant')!).transcript(channel) });
});
