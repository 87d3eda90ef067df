/**
 * `npm run crawl -- --tenant <provider>/<tenant> --seeds <url,url> [--max-pages N] [--qps Q]
 * [--max-depth D] [--mode auto|platform|local] [--url URL] [--no-passes] [--json]`
 * `npm run crawl -- --tenant <p>/<t> --pause|--resume|--cancel|--status <job>`
 *
 * Default (`--mode auto`): when the functions Worker answers at `--url` (the dev stack's
 * http://127.0.0.1:8787 by default), the job runs ON THE PLATFORM: started through
 * POST /admin/crawl/<p>/<t>, crawled by the web-crawler agent from the queue frontier with the
 * CrawlJob and CrawlHost Durable Objects, and followed here until done (progress lines).
 * When nothing answers there, or with `--mode local`, it runs IN THIS PROCESS (the runbook's dry
 * run and the bench): the same crawl step, the graph in memory, summaries in Chroma with `--chroma`,
 * fixture origins trusted with `--trusted-origin`. Models: the model port settings from the
 * environment (MODEL_API_KEY, MODEL_BASE_URL, LLM_MODEL, EMBED_MODEL), offline without a key.
 * ADMIN_TOKEN (platform mode) comes from the environment, else .dev.vars, else the dev stack's keys.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CrawlMetrics } from '@promethean/functions/agents/web-crawler/crawl-metrics';
import { integrityReport, reportMarkdown } from '@promethean/functions/agents/web-crawler/crawl-report';
import { HostPolicyCore, MemoryHostRecords } from '@promethean/functions/agents/web-crawler/host-policy';
import { runLocalCrawl } from '@promethean/functions/agents/web-crawler/local-crawl';
import { createModelPort } from '@promethean/functions/models/model-port-factory';
import { ChromaVectorStore } from '@promethean/shared/effects/chroma-vector-store';
import { MemoryDocumentStore } from '@promethean/shared/effects/memory-document-store';
import { MemoryVectorStore } from '@promethean/shared/effects/memory-vector-store';
import { ssrfPolicy } from '@promethean/shared/net/ssrf-policy';
import { CrawlJobConfig } from '@promethean/shared/web/crawl-config';
import { PageFetcher } from '@promethean/shared/web/page-fetcher';
import {
  adminToken,
  PlatformCrawlError,
  platformJobAction,
  progressLine,
  stackAnswers,
  startPlatformJob,
  watchPlatformJob,
} from './web/platform-crawl-client.ts';

const USAGE =
  'usage: npm run crawl -- --tenant <provider>/<tenant> --seeds <url,url> [--max-pages N] [--qps Q] [--max-depth D] [--mode auto|platform|local] [--url URL] [--chroma URL] [--trusted-origin ORIGIN]... [--no-passes] [--json]\n       npm run crawl -- --tenant <provider>/<tenant> --pause|--resume|--cancel|--status <job-id>';
const root = join(import.meta.dirname, '..');

const { values } = parseArgs({
  options: {
    tenant: { type: 'string' },
    seeds: { type: 'string' },
    'max-pages': { type: 'string', default: '100' },
    'max-depth': { type: 'string', default: '5' },
    qps: { type: 'string', default: '2' },
    chroma: { type: 'string' },
    'trusted-origin': { type: 'string', multiple: true, default: [] },
    'no-passes': { type: 'boolean', default: false },
    'job-id': { type: 'string', default: `cli-${Date.now()}` },
    json: { type: 'boolean', default: false },
    mode: { type: 'string', default: 'auto' },
    url: { type: 'string', default: `http://127.0.0.1:${process.env.PROMETHEAN_DEV_PORT ?? '8787'}` },
    'state-dir': { type: 'string', default: join(root, '.wrangler', 'dev-state') },
    pause: { type: 'string' },
    resume: { type: 'string' },
    cancel: { type: 'string' },
    status: { type: 'string' },
  },
});

const tenant = /^([a-z0-9][a-z0-9_-]*)\/([a-z0-9][a-z0-9_-]*)$/.exec(values.tenant ?? '');
const say = (line: string) => (values.json ? console.error(line) : console.log(line));
const client = () => ({ url: values.url, token: adminToken(root, values['state-dir']) });

// An action on a job already on the platform: pause, resume, cancel or show it.
const action = (['pause', 'resume', 'cancel', 'status'] as const).find((a) => values[a] !== undefined);
if (tenant && action) {
  try {
    const scope = { provider: tenant[1] as string, tenant: tenant[2] as string };
    const status = await platformJobAction(client(), scope, values[action] as string, action);
    say(progressLine(status));
    if (values.json) console.log(JSON.stringify(status));
    process.exit(0);
  } catch (e) {
    console.error(e instanceof PlatformCrawlError ? e.message : String(e));
    process.exit(1);
  }
}
if (!['auto', 'platform', 'local'].includes(values.mode)) {
  console.error(USAGE);
  process.exit(2);
}
if (!tenant || !values.seeds) {
  console.error(USAGE);
  process.exit(2);
}
const parsed = CrawlJobConfig.safeParse({
  job_id: values['job-id'],
  provider: tenant[1],
  tenant: tenant[2],
  seeds: values.seeds.split(',').map((s) => s.trim()),
  max_pages: Number(values['max-pages']),
  max_depth: Number(values['max-depth']),
  qps: Number(values.qps),
  passes: !values['no-passes'],
});
if (!parsed.success) {
  console.error(
    `invalid job: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
  );
  process.exit(2);
}
const config = parsed.data;

const platform = values.mode === 'platform' || (values.mode === 'auto' && (await stackAnswers(values.url)));
if (platform) {
  const scope = { provider: config.provider, tenant: config.tenant };
  say(
    `crawling ON THE PLATFORM (functions Worker at ${values.url}) for ${scope.provider}/${scope.tenant}: ${config.seeds.join(', ')} (max ${config.max_pages} pages, ${config.qps} req/s)`,
  );
  try {
    const c = client();
    const job_id = await startPlatformJob(c, scope, {
      job_id: config.job_id,
      seeds: config.seeds,
      max_pages: config.max_pages,
      max_depth: config.max_depth,
      qps: config.qps,
      passes: config.passes,
    });
    say(
      `job ${job_id} started; pause/resume/cancel: npm run crawl -- --tenant ${values.tenant} --pause ${job_id}`,
    );
    const final = await watchPlatformJob(c, scope, job_id, say);
    if (values.json) console.log(JSON.stringify({ mode: 'platform', ...final }));
    process.exit(final.state === 'done' ? 0 : 1);
  } catch (e) {
    console.error(e instanceof PlatformCrawlError ? e.message : String(e));
    process.exit(1);
  }
}
say(
  values.mode === 'auto'
    ? `no functions Worker answers at ${values.url}: crawling IN THIS PROCESS (local mode)`
    : 'crawling IN THIS PROCESS (local mode)',
);

const policy = ssrfPolicy({ trusted_origins: values['trusted-origin'] });
const fetcher = new PageFetcher({ fetch, policy, user_agent: config.user_agent });
const now = () => Date.now();
const documents = new MemoryDocumentStore({ provider: config.provider, tenant: config.tenant });
const vectors = values.chroma
  ? new ChromaVectorStore({ url: values.chroma, provider: config.provider, tenant: config.tenant })
  : new MemoryVectorStore(config.provider, config.tenant);
const models = createModelPort(process.env, { scope: { provider: config.provider, tenant: config.tenant } });
const hosts = new HostPolicyCore(
  new MemoryHostRecords(),
  fetcher,
  { user_agent: config.user_agent, host_qps: config.host_qps, lease_ms: 30_000 },
  now,
);
const metrics = new CrawlMetrics();

say(
  `crawling for ${config.provider}/${config.tenant}: ${config.seeds.join(', ')} (max ${config.max_pages} pages, ${config.qps} req/s)`,
);
const run = await runLocalCrawl(
  { config, fetcher, hosts, documents, vectors, models, metrics, now },
  {
    concurrency: 4,
    checkpoint_every: 10,
    progress: (ledger, frontier) =>
      say(
        `  pages ${ledger.counters.pages}  fetched ${ledger.counters.fetched}  robots-blocked ${ledger.counters.robots_blocked}  skipped ${ledger.counters.skipped_content_type + ledger.counters.skipped_binary + ledger.counters.skipped_too_large + ledger.counters.skipped_status}  frontier ${frontier}`,
      ),
  },
);
const report = await integrityReport(documents, vectors);
say(reportMarkdown(report, run.ledger.counters));
if (values.json)
  console.log(
    JSON.stringify({
      report,
      counters: run.ledger.counters,
      metrics: metrics.toJSON(),
      elapsed_ms: run.elapsed_ms,
    }),
  );
