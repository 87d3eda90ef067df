/**
 * Admin routes for backfill jobs and the documents they fill: start a backfill without a slash command,
 * follow a job, and page through a tenant's stored messages (operators, the status page, benchmarks).
 */
import { ForeignId, SegmentName } from '@promethean/schemas/identifiers';
import { BackfillEnqueue } from '@promethean/schemas/jobs/backfill-messages';
import { createEnvelope, randomIds, systemClock } from '@promethean/shared/agent/envelope-factory';
import type { DocumentStore } from '@promethean/shared/effects/document-store';
import type { EffectPorts } from '@promethean/shared/effects/effect-ports';
import { UnknownProviderError, UnknownTenantError } from '@promethean/shared/platform/registry-errors';
import { toUrn } from '@promethean/shared/platform/urns';
import { type Context, Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { z } from 'zod';
import { jobDocumentId } from '../../agents/backfill/backfill-job.ts';
import { jobSummary } from '../../agents/backfill/job-summary.ts';
import { messageView } from '../../agents/message-indexer/message-document.ts';
import { adminAuth } from '../middleware/admin-auth.ts';
import { createFunctionsRuntime } from '../runtime-dependencies.ts';

export const adminBackfill = new Hono<{ Bindings: FunctionsEnv }>();
adminBackfill.use('*', adminAuth());

const StartBackfill = z
  .object({
    channel_id: ForeignId,
    space_id: ForeignId.optional(),
    limit: z.number().int().positive().max(1_000_000).optional(),
    page_size: z.number().int().min(1).max(100).default(100),
    job_id: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,80}$/)
      .optional(),
  })
  .strict();

const ListMessages = z.object({
  channel: ForeignId.optional(),
  before: ForeignId.optional(),
  limit: z.coerce.number().int().min(1).max(1_000).default(100),
  deleted: z.enum(['true', 'false']).default('false'),
});

/** The tenant's ports, or a 404 naming what providers.yml knows. */
function tenantPorts(c: Context<{ Bindings: FunctionsEnv }>): {
  ports: EffectPorts;
  provider: string;
  tenant: string;
} {
  const provider = SegmentName.safeParse(c.req.param('provider'));
  const tenant = SegmentName.safeParse(c.req.param('tenant'));
  if (!provider.success || !tenant.success)
    throw new HTTPException(404, { message: 'no such provider/tenant' });
  const { deps } = createFunctionsRuntime(c.env);
  try {
    const view = deps.registry.tenant(provider.data, tenant.data);
    const ports = typeof deps.ports === 'function' ? deps.ports(view) : deps.ports;
    return { ports, provider: provider.data, tenant: tenant.data };
  } catch (e) {
    if (e instanceof UnknownProviderError || e instanceof UnknownTenantError)
      throw new HTTPException(404, { message: e.message });
    throw e;
  }
}

function documentsOf(ports: EffectPorts, tenant: string): DocumentStore {
  if (!ports.documents)
    throw new HTTPException(503, { message: `tenant ${tenant} has no document store configured` });
  return ports.documents;
}

async function jsonBody(c: Context): Promise<unknown> {
  return c.req.json().catch(() => {
    throw new HTTPException(400, { message: 'body must be JSON' });
  });
}

adminBackfill.post('/backfill/:provider/:tenant', async (c) => {
  const { provider, tenant } = tenantPorts(c);
  const input = StartBackfill.safeParse(await jsonBody(c));
  if (!input.success) {
    throw new HTTPException(400, {
      message: input.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
    });
  }
  const b = input.data;
  const jobId = b.job_id ?? `a${Date.now().toString(36)}${crypto.randomUUID().slice(0, 6)}`;
  const { broker } = createFunctionsRuntime(c.env);
  await broker.publish(
    createEnvelope(
      BackfillEnqueue,
      {
        job_id: jobId,
        channel: {
          urn: toUrn({ provider, kind: 'channel', tenant, id: b.channel_id }),
          foreign_id: b.channel_id,
        },
        page_size: b.page_size,
        ...(b.limit !== undefined && { limit: b.limit }),
        ...(b.space_id !== undefined && { space_id: b.space_id }),
      },
      {
        src: 'admin',
        provider,
        tenant,
        id: `backfill:${jobId}:enqueue:0`,
        clock: systemClock,
        ids: randomIds,
      },
    ),
  );
  return c.json({ job_id: jobId, status_url: `/admin/backfill/${provider}/${tenant}/${jobId}` }, 202);
});

adminBackfill.get('/backfill/:provider/:tenant/:job', async (c) => {
  const { ports, tenant } = tenantPorts(c);
  const doc = await documentsOf(ports, tenant).get('jobs', jobDocumentId(c.req.param('job')));
  if (!doc)
    throw new HTTPException(404, {
      message: `no backfill job ${c.req.param('job')} for ${tenant} (unknown, or still waiting for a free job slot)`,
    });
  return c.json(jobSummary(doc));
});

adminBackfill.get('/documents/:provider/:tenant/messages', async (c) => {
  const { ports, tenant } = tenantPorts(c);
  const q = ListMessages.safeParse(c.req.query());
  if (!q.success) throw new HTTPException(400, { message: q.error.issues.map((i) => i.message).join('; ') });
  const documents = documentsOf(ports, tenant);
  const docs = await documents.find(
    'messages',
    q.data.channel === undefined ? {} : { channel_id: q.data.channel },
    {
      limit: q.data.limit,
      ...(q.data.before !== undefined && { before: q.data.before }),
      includeDeleted: q.data.deleted === 'true',
    },
  );
  return c.json({
    total: await documents.count('messages'),
    messages: docs.map(messageView),
    next_before: docs.length === q.data.limit ? docs.at(-1)?.foreign_id : undefined,
  });
});
