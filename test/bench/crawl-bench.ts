/**
 * `npm run bench:crawl -- --json`: crawls the fixture web (news, wiki, blog, a host whose robots.txt
 * answers 503, a private host) with the crawl step and the local driver, summaries and tags from the
 * model double through the OpenAI-compatible model port, the graph in the document store and the
 * summaries in a real Chroma. The fixture judges every request itself (robots, private, POST,
 * nofollow). Baseline, from the same run: the politeness bound — the fastest the configured delays
 * and the job's QPS allow for the requests this crawl had to make. Last line: one JSON object.
 * `--mode platform` crawls the same fixture through both Workers (test/bench/crawl-platform-run.ts),
 * against the same baseline.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { integrityReport, reportMarkdown } from '@promethean/functions/agents/web-crawler/crawl-report';
import { runLocalCrawl } from '@promethean/functions/agents/web-crawler/local-crawl';
import { OfflineModelPort } from '@promethean/functions/models/offline-model-port';
import { OpenAiModelPort } from '@promethean/functions/models/openai-model-port';
import { unframe } from '@promethean/functions/models/untrusted-text';
import { SUMMARY_PROMPT_ID } from '@promethean/functions/web-summarizer/summary-pass';
import { keywordTags, TAG_PROMPT_ID } from '@promethean/functions/web-tagger/tag-pass';
import { ChromaVectorStore } from '@promethean/shared/effects/chroma-vector-store';
import { MemoryDocumentStore } from '@promethean/shared/effects/memory-document-store';
import { MemoryVectorStore } from '@promethean/shared/effects/memory-vector-store';
import { crawlOf } from '@promethean/shared/web/page-graph';
import { messageText } from '../model-double/double-answers.ts';
import { type ModelDouble, startModelDouble } from '../model-double/model-double.ts';
import type { ChatCompletionRequest } from '../model-double/request-shapes.ts';
import { type ChromaServer, startChromaServer } from '../servers/chroma-server.ts';
import { crawlDeps, fixtureJob } from '../web/crawl-harness.ts';
import {
  FIXTURE_CRAWL_DELAY_S,
  type FixtureRequest,
  type FixtureWeb,
  startFixtureWeb,
} from '../web/fixture-web.ts';
import { runPlatformCrawl } from './crawl-platform-run.ts';
import { hostTimelines } from './host-timeline.ts';

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    concurrency: { type: 'string', default: '8' },
    // Passes are separate agents on the platform; here a small pool of their own keeps them off the fetch loop's CPU.
    'pass-concurrency': { type: 'string', default: '2' },
    qps: { type: 'string', default: '40' },
    'max-pages': { type: 'string', default: '400' },
    // local: the crawl step in this process; platform: through both Workers under the pipeline stack.
    mode: { type: 'string', default: 'local' },
    // platform mode: cancel the job after this long.
    'timeout-s': { type: 'string', default: '240' },
    // platform mode: the functions Worker's CRAWL_HOST_QUEUE (on, off; default: wrangler.toml's, off).
    'host-queue': { type: 'string' },
    // platform mode: the functions Worker's CRAWL_HOST_TURNS (on, off; default: wrangler.toml's, off).
    'host-turns': { type: 'string' },
    // platform mode: the functions Worker's CRAWL_HOST_LANES (0: no lanes; default: wrangler.toml's, 2).
    'host-lanes': { type: 'string' },
  },
});

const log = (line: string) => {
  if (!values.json) console.log(line);
  else console.error(line);
};

/** The model double as a pinned model would answer: a lead summary for the summary prompt, tags (one of them denied) for the tag prompt. */
function scriptedReply(request: ChatCompletionRequest): string {
  const system = messageText(
    request.messages.find((m) => m.role === 'system') ?? { role: 'system', content: '' },
  );
  const page = unframe(
    messageText(request.messages.filter((m) => m.role === 'user').at(-1) ?? { role: 'user', content: '' }),
  );
  if (system.includes(SUMMARY_PROMPT_ID))
    return page
      .replace(/^Title: .*\n/, '')
      .split(/\s+/)
      .slice(0, 90)
      .join(' ');
  if (system.includes(TAG_PROMPT_ID))
    return [...keywordTags(page, 6), '#everyone', '#Bird Watching'].join(' ');
  return 'unexpected prompt';
}

/** Most requests one host got in any window [t, t + 1 s). */
function maxPerSecond(requests: FixtureRequest[]): { host: string; count: number } {
  let best = { host: '', count: 0 };
  const byHost = new Map<string, number[]>();
  for (const r of requests) byHost.set(r.host, [...(byHost.get(r.host) ?? []), r.at]);
  for (const [host, times] of byHost) {
    times.sort((a, b) => a - b);
    let j = 0;
    for (let i = 0; i < times.length; i++) {
      while ((times[i] as number) - (times[j] as number) >= 1000) j++;
      if (i - j + 1 > best.count) best = { host, count: i - j + 1 };
    }
  }
  return best;
}

/**
 * Per host, consecutive requests: the shortest gap from one response's end to the next request
 * (the crawl-delay, strictly counted) and the median start-to-start gap.
 */
function gapFigures(requests: FixtureRequest[]): {
  min_gap_after_response_ms: number;
  min_gap_between: string;
  median_start_gap_ms: number;
} {
  const byHost = new Map<string, FixtureRequest[]>();
  for (const r of requests) byHost.set(r.host, [...(byHost.get(r.host) ?? []), r]);
  let min = { gap: Number.POSITIVE_INFINITY, between: '' };
  const starts: number[] = [];
  for (const list of byHost.values()) {
    list.sort((a, b) => a.at - b.at);
    for (let i = 1; i < list.length; i++) {
      const prev = list[i - 1] as FixtureRequest;
      const cur = list[i] as FixtureRequest;
      starts.push(cur.at - prev.at);
      const gap = prev.ended_at === undefined ? Number.POSITIVE_INFINITY : cur.at - prev.ended_at;
      if (gap < min.gap) min = { gap, between: `${cur.host}: ${prev.path} → ${cur.path}` };
    }
  }
  starts.sort((a, b) => a - b);
  return {
    min_gap_after_response_ms: Math.round(min.gap),
    min_gap_between: min.between,
    median_start_gap_ms: Math.round(starts[Math.floor(starts.length / 2)] ?? 0),
  };
}

interface PolitenessFigures {
  requests: number;
  per_host: Map<string, number>;
  pages_per_s: number;
  bound_per_s: number;
  ratio: number;
}

/** Requests per second against the politeness bound: each host serial at its crawl delay, the job under its QPS cap. */
function politeness(requests: FixtureRequest[], qps: number): PolitenessFigures {
  const gets = requests.filter((r) => r.host !== 'private');
  const perHost = new Map<string, number>();
  for (const r of gets) perHost.set(r.host, (perHost.get(r.host) ?? 0) + 1);
  const hostMakespan = Math.max(...[...perHost.values()].map((n) => (n - 1) * FIXTURE_CRAWL_DELAY_S));
  const boundSeconds = Math.max(hostMakespan, gets.length / qps);
  const elapsedS = ((gets.at(-1)?.at ?? 0) - (gets[0]?.at ?? 0)) / 1000;
  const perS = gets.length / elapsedS;
  const bound = gets.length / boundSeconds;
  return {
    requests: gets.length,
    per_host: perHost,
    pages_per_s: perS,
    bound_per_s: bound,
    ratio: perS / bound,
  };
}

/** What the fixture web saw of a crawl, against the fetch-only baseline: the same figures in both modes. */
function trafficFigures(
  web: FixtureWeb,
  qps: number,
  figures: PolitenessFigures,
  baseline: PolitenessFigures,
) {
  const gets = web.requests.filter((r) => r.host !== 'private');
  const timelines = hostTimelines(gets, web.origins, FIXTURE_CRAWL_DELAY_S * 1000);
  return {
    robots_violations: web.requests.filter((r) => r.violation === 'robots' || r.violation === 'nofollow')
      .length,
    private_requests: web.requests.filter((r) => r.violation === 'private').length,
    post_requests: web.requests.filter((r) => r.violation === 'post').length,
    max_qps_per_host: maxPerSecond(gets).count,
    ...gapFigures(gets),
    crawl_delay_ms: FIXTURE_CRAWL_DELAY_S * 1000,
    qps_limit: Math.round(1 / FIXTURE_CRAWL_DELAY_S),
    job_qps_limit: qps,
    requests: gets.length,
    pages_per_s: Math.round(figures.pages_per_s * 100) / 100,
    politeness_bound_pages_per_s: Math.round(figures.bound_per_s * 100) / 100,
    politeness_ratio: Math.round(figures.ratio * 1000) / 1000,
    // Where the ratio goes: the host that sets the bound, its time split up (test/bench/host-timeline.ts).
    busiest_host: timelines[0],
    other_hosts: timelines.slice(1).map((t) => ({
      host: t.host,
      requests: t.requests,
      tail_ms: t.tail_ms,
      idle_no_work_ms: t.idle_no_work_ms,
      overhead_ms: t.overhead_ms,
    })),
    baseline_fetch_only: {
      runtime: 'node (local driver, same fixture, no passes)',
      requests: baseline.requests,
      pages_per_s: Math.round(baseline.pages_per_s * 100) / 100,
      politeness_bound_pages_per_s: Math.round(baseline.bound_per_s * 100) / 100,
      politeness_ratio: Math.round(baseline.ratio * 1000) / 1000,
    },
  };
}

/** The baseline: the same crawl with no LLM passes and stores in memory (fetch, extract, graph only). */
async function fetchOnlyBaseline(qps: number, concurrency: number): Promise<PolitenessFigures> {
  const baselineWeb = await startFixtureWeb();
  try {
    const config = fixtureJob(baselineWeb, { qps, max_pages: Number(values['max-pages']), passes: false });
    const deps = crawlDeps(baselineWeb, config, {
      documents: new MemoryDocumentStore(),
      vectors: new MemoryVectorStore(),
      models: new OfflineModelPort(),
    });
    await runLocalCrawl(deps, { concurrency });
    return politeness(baselineWeb.requests, qps);
  } finally {
    await baselineWeb.stop();
  }
}

const started = performance.now();
log('baseline: the same crawl without passes, stores in memory');
const baseline = await fetchOnlyBaseline(Number(values.qps), Number(values.concurrency));
log(
  `  ${baseline.requests} requests at ${baseline.pages_per_s.toFixed(2)}/s, bound ${baseline.bound_per_s.toFixed(2)}/s`,
);
if (values.mode !== 'local' && values.mode !== 'platform')
  throw new Error(`--mode must be local or platform, not ${values.mode}`);
if (values.mode === 'platform') await platformBench();
else await localBench();

/** The platform form: the same fixture through both Workers; the baseline above is from the same run. */
async function platformBench(): Promise<void> {
  const web = await startFixtureWeb();
  try {
    const config = fixtureJob(web, { qps: Number(values.qps), max_pages: Number(values['max-pages']) });
    log(
      `crawling the fixture web through both Workers (${Object.values(web.origins).join(', ')}), qps ${config.qps}`,
    );
    const hostQueue = values['host-queue'];
    const hostLanes = values['host-lanes'];
    const hostTurns = values['host-turns'];
    const run = await runPlatformCrawl(web, config, {
      timeout_s: Number(values['timeout-s']),
      log,
      functionsVars: {
        ...(hostQueue !== undefined ? { CRAWL_HOST_QUEUE: hostQueue } : {}),
        ...(hostLanes !== undefined ? { CRAWL_HOST_LANES: hostLanes } : {}),
        ...(hostTurns !== undefined ? { CRAWL_HOST_TURNS: hostTurns } : {}),
      },
    });
    const figures = politeness(web.requests, config.qps);
    // The fixture's request log, for timelines beyond busiest_host (bodies left out).
    mkdirSync(join('test-artifacts'), { recursive: true });
    writeFileSync(
      join('test-artifacts', 'crawl-platform-requests.json'),
      `${JSON.stringify(web.requests.map(({ body_head: _b, ...r }) => r))}\n`,
    );
    const c = run.status.counters;
    const pages = c.pages ?? 0;
    const report = run.integrity;
    console.log(
      JSON.stringify({
        bench: 'crawl',
        mode: 'platform',
        state: run.status.state,
        open: run.status.open,
        pages,
        edges: c.edges ?? 0,
        summaries_ratio: Math.round(((c.summaries ?? 0) / Math.max(1, pages)) * 10_000) / 10_000,
        tagged_ratio: Math.round(((c.tagged ?? 0) / Math.max(1, pages)) * 10_000) / 10_000,
        vectors_ratio: Math.round(((c.vectors ?? 0) / Math.max(1, pages)) * 10_000) / 10_000,
        avg_summary_tokens: report ? report.summary_tokens_mean : null,
        tags_valid_ratio: report
          ? Math.round((report.tags_valid / Math.max(1, report.tagged)) * 10_000) / 10_000
          : null,
        // From the tenant's stores after the run (GET /admin/web/integrity), as local mode computes them.
        duplicate_nodes_ratio: report
          ? Math.round((report.duplicate_titles / Math.max(1, report.crawled)) * 10_000) / 10_000
          : null,
        dual_sink_mismatch: report ? report.missing_vectors.length + report.extra_vectors : null,
        integrity: report
          ? {
              pages: report.pages,
              edges: report.edges,
              crawled: report.crawled,
              duplicate_titles: report.duplicate_titles,
              summarized: report.summarized,
              tagged: report.tagged,
              tags_valid: report.tags_valid,
              vectors: report.vectors,
              missing_vectors: report.missing_vectors.length,
              extra_vectors: report.extra_vectors,
              pinned: report.pinned,
            }
          : null,
        ...trafficFigures(web, config.qps, figures, baseline),
        platform_vs_baseline: Math.round((figures.pages_per_s / baseline.pages_per_s) * 1000) / 1000,
        job_s: Math.round(run.job_s * 10) / 10,
        passes_s: run.passes_s === undefined ? null : Math.round(run.passes_s * 10) / 10,
        stack_start_s: Math.round(run.stack_start_s * 10) / 10,
        // Locally every Worker, Durable Object and consumer shares one workerd thread: at this many ms per
        // page, one core cannot go faster than 1000 / cpu_ms_per_page pages per second.
        workerd_cpu_ms_per_page: Math.round((run.workerd_cpu_ms / Math.max(1, pages)) * 10) / 10,
        pages_per_workerd_cpu_s:
          run.workerd_cpu_ms > 0 ? Math.round((pages / (run.workerd_cpu_ms / 1000)) * 100) / 100 : null,
        load_average_1m: Math.round((loadavg()[0] ?? 0) * 100) / 100,
        // The ops ledger's count over the crawl and its passes (the bench's status polls included), per page.
        ...(run.ops && {
          durable_object_requests_per_page:
            Math.round((run.ops.durable_object_requests / Math.max(1, pages)) * 10) / 10,
          worker_invocations_per_page:
            Math.round((run.ops.worker_invocations / Math.max(1, pages)) * 10) / 10,
          queue_writes_per_page: Math.round((run.ops.queue_writes / Math.max(1, pages)) * 10) / 10,
        }),
        counters: c,
        wall_s: Math.round((performance.now() - started) / 100) / 10,
        runtime: `both Workers under ${run.launcher}`,
        host_queue: hostQueue ?? 'default',
        host_lanes: hostLanes ?? 'default',
        host_turns: hostTurns ?? 'default',
      }),
    );
  } finally {
    await web.stop();
  }
}

async function localBench(): Promise<void> {
  const web = await startFixtureWeb();
  let chroma: ChromaServer | undefined;
  let double: ModelDouble | undefined;
  try {
    chroma = await startChromaServer({ log });
    double = await startModelDouble({ chatReply: scriptedReply });
    const config = fixtureJob(web, { qps: Number(values.qps), max_pages: Number(values['max-pages']) });
    const models = new OpenAiModelPort({
      mode: 'online',
      base_url: double.baseUrl,
      api_key: 'bench-key',
      llm_model: 'double-llm-2026-01-01',
      embed_model: 'text-embedding-3-small',
      embed_dimensions: 256,
      embed_encoding: 'base64',
      embed_cache_min_bytes: 400,
      stt_model: 'whisper-1',
      tts_model: 'tts-1',
      tts_voice: 'alloy',
      vision_model: undefined,
      timeout_ms: 30_000,
    });
    const documents = new MemoryDocumentStore({ provider: config.provider, tenant: config.tenant });
    const vectors = new ChromaVectorStore({
      url: chroma.url,
      provider: config.provider,
      tenant: config.tenant,
    });
    const embedSpec = { model: 'text-embedding-3-small', dimension: 256 };
    const deps = crawlDeps(
      web,
      config,
      { documents, vectors, models },
      () => performance.timeOrigin + performance.now(),
    );
    log(
      `crawling the fixture web (${Object.values(web.origins).join(', ')}) with concurrency ${values.concurrency}, qps ${config.qps}`,
    );
    const run = await runLocalCrawl(
      { ...deps, embed_spec: embedSpec },
      {
        concurrency: Number(values.concurrency),
        pass_concurrency: Number(values['pass-concurrency']),
        checkpoint_every: 50,
        progress: (ledger, frontier) =>
          log(
            `  pages ${ledger.counters.pages}  fetched ${ledger.counters.fetched}  robots-blocked ${ledger.counters.robots_blocked}  frontier ${frontier}`,
          ),
      },
    );
    const report = await integrityReport(documents, vectors);

    const pages = (await documents.find('pages', {}, { limit: 10_000 })).filter((d) => crawlOf(d));
    const summaries = pages
      .map((d) => d.slots.summary?.value as { tokens: number } | undefined)
      .filter((s) => s !== undefined);

    const gets = web.requests.filter((r) => r.host !== 'private');
    const figures = politeness(web.requests, config.qps);
    const perHost = figures.per_host;

    const markdown = reportMarkdown(report, run.ledger.counters);
    mkdirSync(join('test-artifacts'), { recursive: true });
    writeFileSync(join('test-artifacts', 'crawl-integrity.md'), markdown);
    writeFileSync(
      join('test-artifacts', 'crawl-integrity.json'),
      `${JSON.stringify({ report, counters: run.ledger.counters, metrics: deps.metrics }, null, 2)}\n`,
    );
    log(markdown);

    const result = {
      bench: 'crawl',
      pages: report.pages,
      edges: report.edges,
      duplicate_nodes_ratio:
        Math.round((report.duplicate_titles / Math.max(1, report.crawled)) * 10_000) / 10_000,
      summaries_ratio: Math.round((summaries.length / pages.length) * 10_000) / 10_000,
      avg_summary_tokens: report.summary_tokens_mean,
      tags_valid_ratio: Math.round((report.tags_valid / Math.max(1, report.tagged)) * 10_000) / 10_000,
      ...trafficFigures(web, config.qps, figures, baseline),
      load_average_1m: Math.round((loadavg()[0] ?? 0) * 100) / 100,
      dual_sink_mismatch: report.missing_vectors.length + report.extra_vectors,
      embedding: report.pinned,
      llm_model: 'double-llm-2026-01-01',
      model_requests: double.requests.length,
      huge_page_bytes_read_before_hangup: web.hugeBytesSent(),
      hosts: Object.fromEntries(
        [...perHost.keys()].map((h) => {
          const times = gets.filter((r) => r.host === h).map((r) => r.at);
          return [
            h,
            {
              requests: times.length,
              span_s: Math.round((Math.max(...times) - Math.min(...times)) / 10) / 100,
              first_s: Math.round((Math.min(...times) - (gets[0]?.at ?? 0)) / 10) / 100,
            },
          ];
        }),
      ),
      counters: run.ledger.counters,
      stages: deps.metrics.toJSON().stages,
      wall_s: Math.round((performance.now() - started) / 100) / 10,
      runtime: 'node (local driver; not wrangler dev)',
    };
    console.log(JSON.stringify(result));
  } finally {
    await double?.stop();
    await chroma?.stop();
    await web.stop();
  }
}
