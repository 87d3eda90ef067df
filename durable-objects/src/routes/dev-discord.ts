/** Development-only access to a Discord tenant's Durable Objects: post through RestBuckets, drive the gateway. */
import { SegmentName } from '@promethean/schemas/identifiers';
import { ProviderRegistry } from '@promethean/shared/platform/provider-registry';
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { z } from 'zod';
import providersYml from '../../../providers.yml';

export const devDiscord = new Hono<{ Bindings: AccessEnv }>();

devDiscord.use('*', async function discordTenant(c, next) {
  const tenant = SegmentName.safeParse(c.req.param('tenant'));
  if (
    !tenant.success ||
    !ProviderRegistry.fromYaml(providersYml)
      .tenants('discord')
      .some((t) => t.tenant === tenant.data)
  ) {
    throw new HTTPException(404, {
      message: `no discord tenant "${c.req.param('tenant')}" in providers.yml`,
    });
  }
  await next();
});

const PostBody = z.object({
  channel_id: z.string().regex(/^\d{1,20}$/),
  content: z.string().min(1),
  idempotency_key: z.string().min(1),
  reply_to: z.string().optional(),
  mention_users: z.array(z.string()).default([]),
});

const rest = (env: AccessEnv, tenant: string) => env.REST_BUCKETS.get(env.REST_BUCKETS.idFromName(tenant));
const gateway = (env: AccessEnv, tenant: string, shard: number) =>
  env.GATEWAY_SESSION.get(env.GATEWAY_SESSION.idFromName(`${tenant}:${shard}`));

devDiscord.post('/messages', async (c) => {
  const body = PostBody.safeParse(await c.req.json().catch(() => null));
  if (!body.success)
    throw new HTTPException(400, {
      message: `invalid body: ${body.error.issues.map((i) => i.message).join('; ')}`,
    });
  const { channel_id, ...rest_ } = body.data;
  const results = await rest(c.env, c.req.param('tenant')!).postMessage(c.req.param('tenant')!, {
    ...rest_,
    channel: { foreign_id: channel_id },
  });
  return c.json({ results });
});

devDiscord.get('/rest', async (c) => c.json(await rest(c.env, c.req.param('tenant')!).status()));

devDiscord.post('/gateway/:shard/start', async (c) =>
  c.json(
    await gateway(c.env, c.req.param('tenant')!, Number(c.req.param('shard'))).start(
      c.req.param('tenant')!,
      Number(c.req.param('shard')),
    ),
  ),
);

/** Drops the session's Durable Object instance, as an eviction or a deploy does; it resumes on its own. */
devDiscord.post('/gateway/:shard/evict', async (c) => {
  await gateway(c.env, c.req.param('tenant')!, Number(c.req.param('shard')))
    .simulateEviction()
    .catch(() => undefined);
  return c.json({ evicted: true });
});

devDiscord.get('/gateway/:shard', async (c) =>
  c.json(await gateway(c.env, c.req.param('tenant')!, Number(c.req.param('shard'))).health()),
);
