/**
 * Development only: `GET /dev/index/<provider>/<tenant>?messages=<id>,<id>` tells which of these
 * messages the tenant's stores hold (document indexed, vector embedded), so `npm run demo` and the
 * dev-stack test can wait for the pipeline by polling state instead of sleeping.
 */
import { SegmentName } from '@promethean/schemas/identifiers';
import { UnknownProviderError, UnknownTenantError } from '@promethean/shared/platform/registry-errors';
import { toUrn } from '@promethean/shared/platform/urns';
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { createFunctionsRuntime } from '../runtime-dependencies.ts';

export const devIndex = new Hono<{ Bindings: FunctionsEnv }>();

const MAX_IDS = 100;

devIndex.get('/:provider/:tenant', async (c) => {
  if (c.env.PROMETHEAN_ENV !== 'development')
    throw new HTTPException(404, { message: 'development routes are disabled' });
  const provider = SegmentName.safeParse(c.req.param('provider'));
  const tenant = SegmentName.safeParse(c.req.param('tenant'));
  if (!provider.success || !tenant.success) throw new HTTPException(404, { message: 'no such tenant' });
  const ids = (c.req.query('messages') ?? '')
    .split(',')
    .filter((id) => /^\S{1,128}$/.test(id))
    .slice(0, MAX_IDS);
  const { deps } = createFunctionsRuntime(c.env);
  let ports: ReturnType<Extract<typeof deps.ports, (...a: never[]) => unknown>>;
  try {
    const view = deps.registry.tenant(provider.data, tenant.data);
    ports = typeof deps.ports === 'function' ? deps.ports(view) : deps.ports;
  } catch (e) {
    if (e instanceof UnknownProviderError || e instanceof UnknownTenantError)
      throw new HTTPException(404, { message: `no tenant ${provider.data}/${tenant.data}` });
    throw e;
  }
  const documents = ports.documents;
  const vectors = ports.vectors;
  const indexed: string[] = [];
  for (const id of ids) if (await documents?.get('messages', id)) indexed.push(id);
  const pinned = await vectors?.pinned('messages');
  const embedded: string[] = [];
  if (vectors && pinned) {
    // Any probe vector will do: the metadata filter picks the one record, if it exists.
    const probe = Array.from({ length: pinned.dimension }, (_, i) => (i === 0 ? 1 : 0));
    for (const id of ids) {
      const urn = toUrn({ provider: provider.data, kind: 'message', tenant: tenant.data, id });
      if ((await vectors.query('messages', probe, 1, { urn })).length > 0) embedded.push(id);
    }
  }
  return c.json({
    documents: { count: (await documents?.count('messages')) ?? 0, indexed },
    vectors: {
      count: pinned ? ((await vectors?.count('messages')) ?? 0) : 0,
      pinned: pinned ?? null,
      embedded,
    },
  });
});
