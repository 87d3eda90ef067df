/**
 * `npm run bench:crawl -- --mode platform`: the fixture web crawled through both Workers under the
 * pipeline stack (wrangler dev by default): a job started by the admin route, its frontier on the local
 * queue, the CrawlJob and CrawlHost Durable Objects, the web-crawler agent with the model double and
 * Chroma. The fixture's origins are trusted through SSRF_TRUSTED_ORIGINS in this stack's variables only.
 */
import type { IntegrityReport } from '@promethean/functions/agents/web-crawler/crawl-report';
import type { StatusSnapshot } from '@promethean/shared/ops/status-snapshot';
import type { CrawlJobConfig } from '@promethean/shared/web/crawl-config';
import { crawlableOrigins, type FixtureWeb } from '../web/fixture-web.ts';
import { DEFAULT_LAUNCHER, startPipelineStack } from './pipeline-stack.ts';
import { workerdCpuMs } from './workerd-cpu.ts';

export interface PlatformCrawlRun {
  status: {
    state: string;
    open: number;
    done: number;
    counters: Record<string, number>;
  };
  /** From the start request to the job's `done`, as the admin route reported it. */
  job_s: number;
  /**
   * From the start request until every stored page had its summary, tags and vector (the passes are
   * agents behind the queue, so they finish after the frontier); undefined when they never caught up.
   */
  passes_s: number | undefined;
  stack_start_s: number;
  launcher: string;
  /**
   * CPU (user + system) the stack's workerd processes spent from the start request until the passes
   * caught up (or the run ended): what the Workers cost, without the fixture, Chroma or the model double.
   */
  workerd_cpu_ms: number;
  /** The tenant's integrity report (GET /admin/web/integrity), read after the run; undefined if it failed. */
  integrity: IntegrityReport | undefined;
  /**
   * What the ops ledger counted over the same span (the status polls included): Durable Object requests,
   * Worker invocations and queue writes; undefined when /metrics answered no ledger.
   */
  ops: OpsCounts | undefined;
}

export interface OpsCounts {
  durable_object_requests: number;
  worker_invocations: number;
  queue_writes: number;
}

async function opsCounts(admin: (path: string) => Promise<Response>): Promise<OpsCounts | undefined> {
  const r = await admin('/metrics?format=json');
  if (!r.ok) return undefined;
  const total = ((await r.json()) as StatusSnapshot).ledger?.platform_ops.total;
  return total
    ? {
        durable_object_requests: total.durable_object_requests,
        worker_invocations: total.worker_invocations,
        queue_writes: total.queue_writes,
      }
    : undefined;
}

const TENANT = 'discord/duck';

/** Starts the stack, runs one job over `web` to its end (or `timeout_s`), stops the stack. */
export async function runPlatformCrawl(
  web: FixtureWeb,
  config: CrawlJobConfig,
  o: { timeout_s: number; log: (line: string) => void; functionsVars?: Record<string, string> },
): Promise<PlatformCrawlRun> {
  const t0 = performance.now();
  const stack = await startPipelineStack({
    documents: 'sqlite',
    functionsVars: { ...o.functionsVars, SSRF_TRUSTED_ORIGINS: crawlableOrigins(web.origins).join(',') },
    log: o.log,
  });
  try {
    const stackStart = (performance.now() - t0) / 1000;
    const { provider: _p, tenant: _t, ...body } = config;
    const t1 = performance.now();
    const ops0 = await opsCounts((path) => stack.admin(path));
    const cpu0 = workerdCpuMs();
    const started = await stack.admin(`/admin/crawl/${TENANT}`, {
      method: 'POST',
      body: JSON.stringify({ ...body, job_id: `bench-${Date.now().toString(36)}` }),
    });
    if (started.status !== 202) throw new Error(`start: ${started.status} ${await started.text()}`);
    const { status_url } = (await started.json()) as { status_url: string };
    let status: PlatformCrawlRun['status'];
    let last = '';
    let jobS: number | undefined;
    let passesS: number | undefined;
    const passesDone = (c: Record<string, number>) =>
      ['summaries', 'tagged', 'vectors'].every((k) => (c[k] ?? 0) >= (c.pages ?? 0));
    for (;;) {
      const r = await stack.admin(status_url);
      if (!r.ok) throw new Error(`status: ${r.status} ${await r.text()}`);
      status = (await r.json()) as PlatformCrawlRun['status'];
      const c = status.counters;
      const line = `  pages ${c.pages}  fetched ${c.fetched}  robots-blocked ${c.robots_blocked}  open ${status.open}  summaries ${c.summaries}  tagged ${c.tagged}  vectors ${c.vectors}`;
      if (line !== last) o.log(line);
      last = line;
      if (status.state === 'cancelled') break;
      if (status.state === 'done') {
        jobS ??= (performance.now() - t1) / 1000;
        if (passesDone(c)) {
          passesS = (performance.now() - t1) / 1000;
          break;
        }
      }
      if ((performance.now() - t1) / 1000 > o.timeout_s) {
        o.log(`  timed out after ${o.timeout_s} s: cancelling`);
        await stack.admin(`${status_url}/cancel`, { method: 'POST' });
        break;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    const cpuMs = workerdCpuMs() - cpu0;
    const ops1 = await opsCounts((path) => stack.admin(path));
    const ops =
      ops0 && ops1
        ? {
            durable_object_requests: ops1.durable_object_requests - ops0.durable_object_requests,
            worker_invocations: ops1.worker_invocations - ops0.worker_invocations,
            queue_writes: ops1.queue_writes - ops0.queue_writes,
          }
        : undefined;
    const jobSeconds = jobS ?? (performance.now() - t1) / 1000;
    // After the timed part: the report reads every page, edge and vector of the tenant.
    const answer = await stack.admin(`/admin/web/integrity?tenant=${encodeURIComponent(TENANT)}`);
    let integrity: IntegrityReport | undefined;
    if (answer.ok) integrity = (await answer.json()) as IntegrityReport;
    else o.log(`  integrity report: ${answer.status} ${await answer.text()}`);
    return {
      status,
      job_s: jobSeconds,
      passes_s: passesS,
      stack_start_s: stackStart,
      workerd_cpu_ms: cpuMs,
      integrity,
      ops,
      launcher: process.env.STACK_LAUNCHER || DEFAULT_LAUNCHER,
    };
  } finally {
    await stack.stop();
  }
}
