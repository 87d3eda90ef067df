/**
 * Admin routes for web crawl jobs (docs/agents/web-crawler.md): start a job on a tenant, watch it,
 * pause, resume and cancel it. The job lives in its CrawlJob Durable Object; its frontier on the queue.
 */
import { SegmentName } from '@promethean/schemas/identifiers';
import { UnknownProviderError, UnknownTenantError } from '@promethean/shared/platform/registry-errors';
import { CrawlJobConfig } from '@promethean/shared/web/crawl-config';
import { type Context, Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { recordCrawlJob } from '../../agents/web-crawler/crawl-job-index.ts';
import { crawlJobName } from '../../agents/web-crawler/durable-object-crawl.ts';
import { adminAuth } from '../middleware/admin-auth.ts';
import { createFunctionsRuntime } from '../runtime-dependencies.ts';

export const adminCrawl = new Hono<{ Bindings: FunctionsEnv }>();
adminCrawl.use('*', adminAuth());

/** The job's body: everything in CrawlJobConfig but the tenant (from the path); job_id is optional. */
const StartCrawl = CrawlJobConfig.omit({ provider: true, tenant: true, job_id: true }).extend({
  job_id: CrawlJobConfig.shape.job_id.optional(),
});

function scopeOf(c: Context<{ Bindings: FunctionsEnv }>): { provider: string; tenant: string } {
  const provider = SegmentName.safeParse(c.req.param('provider'));
  const tenant = SegmentName.safeParse(c.req.param('tenant'));
  if (!provider.success || !tenant.success)
    throw new HTTPException(404, { message: 'no such provider/tenant' });
  try {
    createFunctionsRuntime(c.env).deps.registry.tenant(provider.data, tenant.data);
  } catch (e) {
    if (e instanceof UnknownProviderError || e instanceof UnknownTenantError)
      throw new HTTPException(404, { message: e.message });
    throw e;
  }
  return { provider: provider.data, tenant: tenant.data };
}

function jobStub(c: Context<{ Bindings: FunctionsEnv }>, job_id: string) {
  const { provider, tenant } = scopeOf(c);
  const ns = c.env.CRAWL_JOBS;
  return ns.get(ns.idFromName(crawlJobName(provider, tenant, job_id)));
}

function jobId(c: Context): string {
  const id = CrawlJobConfig.shape.job_id.safeParse(c.req.param('job'));
  if (!id.success) throw new HTTPException(404, { message: 'no such crawl job' });
  return id.data;
}

adminCrawl.post('/crawl/:provider/:tenant', async (c) => {
  const scope = scopeOf(c);
  const body = await c.req.json().catch(() => {
    throw new HTTPException(400, { message: 'body must be JSON' });
  });
  const input = StartCrawl.safeParse(body);
  if (!input.success) {
    throw new HTTPException(400, {
      message: input.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
    });
  }
  const job_id = input.data.job_id ?? `c${Date.now().toString(36)}${crypto.randomUUID().slice(0, 6)}`;
  const config = CrawlJobConfig.parse({ ...input.data, ...scope, job_id });
  // Listed before it starts, so every running job is on the status page (a repeat keeps the first entry).
  const { deps } = createFunctionsRuntime(c.env);
  const view = deps.registry.tenant(scope.provider, scope.tenant);
  const documents = (typeof deps.ports === 'function' ? deps.ports(view) : deps.ports).documents;
  if (documents) await recordCrawlJob(documents, config, new Date());
  const status = await jobStub(c, job_id).start(config);
  return c.json(
    { job_id, status_url: `/admin/crawl/${scope.provider}/${scope.tenant}/${job_id}`, status },
    202,
  );
});

adminCrawl.get('/crawl/:provider/:tenant/:job', async (c) => {
  const job = jobId(c);
  const status = await jobStub(c, job).status();
  if (!status) throw new HTTPException(404, { message: `no crawl job ${job}` });
  return c.json(status);
});

for (const action of ['pause', 'resume', 'cancel'] as const) {
  adminCrawl.post(`/crawl/:provider/:tenant/:job/${action}`, async (c) => {
    const job = jobId(c);
    const stub = jobStub(c, job);
    if (!(await stub.status())) throw new HTTPException(404, { message: `no crawl job ${job}` });
    return c.json(await stub[action]());
  });
}
