/** The access Worker's HTTP surface: health, and the echo provider's scripted input in development. */
import { SegmentName } from '@promethean/schemas/identifiers';
import { ProviderRegistry } from '@promethean/shared/platform/provider-registry';
import { EchoScript } from '@promethean/shared/providers/echo/echo-script';
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import providersYml from '../../providers.yml';
import { ACCESS_AGENTS } from './access-agents.ts';

export const app = new Hono<{ Bindings: AccessEnv }>();

app.get('/health', (c) =>
  c.json({
    worker: 'promethean-access',
    status: 'RUNNING',
    agents: ACCESS_AGENTS.map((a) => ({
      agent: a.manifest.id,
      kind: a.manifest.kind,
      version: a.manifest.version,
      state: 'RUNNING',
    })),
  }),
);

/** The echo provider's "network" is only open where the deployment says it is development. */
const echo = new Hono<{ Bindings: AccessEnv }>();
echo.use('*', async (c, next) => {
  if (c.env.PROMETHEAN_ENV !== 'development')
    throw new HTTPException(404, { message: 'echo input is for development only' });
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

echo.post('/messages', async (c) => {
  const tenant = c.req.param('tenant')!;
  const body: unknown = await c.req.json().catch(() => {
    throw new HTTPException(400, { message: 'body must be JSON: {"messages": [...]}' });
  });
  const script = EchoScript.safeParse(body);
  if (!script.success) {
    const issues = script.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new HTTPException(400, { message: `invalid echo script: ${issues.join('; ')}` });
  }
  const botUserId = String(
    ProviderRegistry.fromYaml(providersYml).tenant('echo', tenant).config.settings.bot_user_id ?? '100',
  );
  const ids = await conversation(c.env, tenant).say(tenant, script.data, botUserId);
  return c.json({ accepted: ids.length, foreign_ids: ids }, 202);
});

echo.get('/transcript', async (c) => {
  const channel = c.req.query('channel');
  return c.json({ messages: await conversation(c.env, c.req.param('tenant')!).transcript(channel) });
});

app.route('/echo/:tenant', echo);

app.notFound((c) => c.json({ error: 'not_found', message: `no route ${c.req.method} ${c.req.path}` }, 404));

app.onError((err, c) => {
  if (err instanceof HTTPException) return c.json({ error: 'http_error', message: err.message }, err.status);
  console.error(
    JSON.stringify({ level: 'error', msg: 'unhandled request error', path: c.req.path, error: String(err) }),
  );
  return c.json({ error: 'internal_error', message: 'the request failed; see the Worker logs' }, 500);
});
