/**
 * The crawl on the functions Worker in workerd: the admin routes start, watch, pause, resume and
 * cancel a job in its CrawlJob Durable Object; the web-crawler agent takes frontier messages through
 * the real queue handler, claims them from the job and reports them (here the seed is a private
 * address, refused by the SSRF guard before any request, so the crawl needs no network).
 */
import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { CrawlFrontier } from '@promethean/schemas/jobs/web-crawl';
import { createEnvelope } from '@promethean/shared/agent/envelope-factory';
import { describe, expect, it } from 'vitest';
import { app } from '../../../functions/src/http-app.ts';
import worker from '../../../functions/src/index.ts';

const ADMIN = 'crawl-test-admin-token-0123456789abcdef0123456789';
const adminEnv = { ...env, ADMIN_TOKEN: ADMIN } as FunctionsEnv;
const auth = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };
const SEED = 'http://10.0.0.1/';

const admin = (path: string, method = 'GET', body?: unknown, headers: Record<string, string> = auth) =>
  app.request(
    `/admin/crawl/${path}`,
    { method, headers, ...(body !== undefined && { body: JSON.stringify(body) }) },
    adminEnv,
  );

async function deliver(job_id: string, kind: 'page' | 'robots', url: string) {
  const envelope = createEnvelope(
    CrawlFrontier,
    { job_id, key: `${kind}:${url}`, item: { kind, url, depth: 0, via: 'seed' } },
    { src: 'test', provider: 'echo', tenant: 'demo' },
  );
  const batch = createMessageBatch('promethean-events', [
    { id: envelope.id, timestamp: new Date(), attempts: 1, body: { v: 1, envelope } },
  ]);
  const ctx = createExecutionContext();
  await worker.queue(batch, adminEnv, ctx);
  return getQueueResult(batch, ctx);
}

describe('crawl jobs on the platform', () => {
  it('starts a job, crawls its frontier through the queue handler, and finishes it', async () => {
    const started = await admin('echo/demo', 'POST', { job_id: 'w1', seeds: [SEED], passes: false });
    expect(started.status).toBe(202);
    const body = (await started.json()) as { job_id: string; status: { open: number; state: string } };
    expect(body.job_id).toBe('w1');
    expect(body.status).toMatchObject({ open: 2, state: 'running' }); // robots.txt first, then the seed

    expect((await deliver('w1', 'robots', 'http://10.0.0.1/robots.txt')).explicitAcks).toHaveLength(1);
    expect((await deliver('w1', 'page', SEED)).explicitAcks).toHaveLength(1);
    // A redelivery of a finished item is dropped: nothing is counted twice.
    await deliver('w1', 'page', SEED);

    const status = (await (await admin('echo/demo/w1')).json()) as {
      state: string;
      open: number;
      counters: Record<string, number>;
    };
    expect(status.state).toBe('done');
    expect(status.open).toBe(0);
    expect(status.counters.refused).toBe(1);
    expect(status.counters.fetched).toBe(0);
    // A second start of the same job changes nothing.
    const again = (await (await admin('echo/demo', 'POST', { job_id: 'w1', seeds: [SEED] })).json()) as {
      status: { state: string };
    };
    expect(again.status.state).toBe('done');
  });

  it("parks a paused job, resumes it, and drops a cancelled job's messages", async () => {
    await admin('echo/demo', 'POST', { job_id: 'w2', seeds: [SEED], passes: false });
    expect(((await (await admin('echo/demo/w2/pause', 'POST')).json()) as { state: string }).state).toBe(
      'paused',
    );
    await deliver('w2', 'page', SEED);
    expect(((await (await admin('echo/demo/w2')).json()) as { open: number }).open).toBe(2);
    expect(((await (await admin('echo/demo/w2/resume', 'POST')).json()) as { state: string }).state).toBe(
      'running',
    );
    expect(((await (await admin('echo/demo/w2/cancel', 'POST')).json()) as { state: string }).state).toBe(
      'cancelled',
    );
    await deliver('w2', 'page', SEED);
    const status = (await (await admin('echo/demo/w2')).json()) as {
      state: string;
      counters: Record<string, number>;
    };
    expect(status.state).toBe('cancelled');
    expect(status.counters.refused).toBe(0);
  });

  it('refuses bad input, unknown tenants and jobs, and callers without the admin token', async () => {
    expect((await admin('echo/demo', 'POST', { seeds: ['not a url'] })).status).toBe(400);
    expect((await admin('echo/nobody', 'POST', { seeds: [SEED] })).status).toBe(404);
    expect((await admin('echo/demo/never-started')).status).toBe(404);
    expect((await admin('echo/demo/w1', 'GET', undefined, {})).status).toBe(401);
  });
});
