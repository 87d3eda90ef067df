/**
 * `npm run crawl -- --tenant <provider>/<tenant> --seeds <url,url> [--max-pages N] [--qps Q]
 * [--max-depth D] [--chroma URL] [--trusted-origin http://127.0.0.1:PORT]... [--no-passes] [--json]`
 *
 * Runs a crawl job in this process with the crawler's own step (robots, politeness, traps, graph,
 * passes), printing progress and the integrity report. The graph is kept in memory; summaries go to
 * Chroma when `--chroma` is given, else to memory. Models: the configured model port settings from
 * the environment (MODEL_API_KEY, MODEL_BASE_URL, LLM_MODEL, EMBED_MODEL), offline without a key.
 * This is the dry-run tool of the runbook; jobs on the platform queues are not built yet.
 */
import { parseArgs } from 'node:util';
import { createModelPort } from '@promethean/functions/models/model-port-factory';
import { CrawlMetrics } from '@promethean/functions/web-crawler/crawl-metrics';
import { integrityReport, reportMarkdown } from '@promethean/functions/web-crawler/crawl-report';
import { HostPolicyCore, MemoryHostRecords } from '@promethean/functions/web-crawler/host-policy';
import { runLocalCrawl } from '@promethean/functions/web-crawler/local-crawl';
import { ChromaVectorStore } from '@promethean/shared/effects/chroma-vector-store';
import { MemoryDocumentStore } from '@promethean/shared/effects/memory-document-store';
import { MemoryVectorStore } from '@promethean/shared/effects/memory-vector-store';
import { ssrfPolicy } from '@promethean/shared/net/ssrf-policy';
import { CrawlJobConfig } from '@promethean/shared/web/crawl-config';
import { PageFetcher } from '@promethean/shared/web/page-fetcher';

const USAGE =
  'usage: npm run crawl -- --tenant <provider>/<tenant> --seeds <url,url> [--max-pages N] [--qps Q] [--max-depth D] [--chroma URL] [--trusted-origin ORIGIN]... [--no-passes] [--json]';

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
  },
});

const tenant = /^([a-z0-9][a-z0-9_-]*)\/([a-z0-9][a-z0-9_-]*)$/.exec(values.tenant ?? '');
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
const say = (line: string) => (values.json ? console.error(line) : console.log(line));

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
