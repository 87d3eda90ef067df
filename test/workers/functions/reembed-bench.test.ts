/**
 * The re-embed's rate on the embedded store, on the platform path, inside workerd: a tenant seeded in its
 * SQLite TenantDocuments Durable Object (vectors of the old model in the real Chroma) is re-embedded by
 * the reembedder agent, each step message handled as the queue consumer handles it (the next step is the
 * message the agent published), from start to cutover, while a live writer adds messages at 50/s through
 * the tenant's ports (document, then vector with the routed collection's model) and a searcher queries
 * throughout. After cutover the writer stops, a cron tail chain brings the last writes over, and the new
 * collection is compared with every document (lost = documents without their vector, duplicated =
 * vectors beyond the expected ones). Baseline in the same run: a plain re-backfill (read every document
 * from TenantDocuments, embed, write a fresh collection). Prints one JSON line (`{"bench":"reembed-platform"…`);
 * `npm run bench:migrate` runs it with 20,000 documents (REEMBED_BENCH_DOCUMENTS). The test suite runs it
 * with 300 and asserts only correctness, never timing. The model is the only double (hashed vectors).
 */
import { env } from 'cloudflare:workers';
import type { Envelope } from '@promethean/schemas/envelope';
import { invokeAgent } from '@promethean/shared/agent/agent-invocation';
import { chromaClientArgs } from '@promethean/shared/effects/chroma-vector-store';
import type { StoredDocument } from '@promethean/shared/effects/document-store';
import type { EmbeddingSpec } from '@promethean/shared/effects/effect-ports';
import { integrityReport } from '@promethean/shared/migrations/integrity/integrity-report';
import type { Embedder } from '@promethean/shared/migrations/integrity/vector-source';
import type { ReembedPort } from '@promethean/shared/migrations/reembed/reembed-port';
import { OpsRecorder } from '@promethean/shared/ops/ops-recorder';
import { ProviderRegistry } from '@promethean/shared/platform/provider-registry';
import { followingSearch } from '@promethean/test/harness/following-search';
import { PublishRecorder } from '@promethean/test/harness/recording-runtime';
import { ChromaClient } from 'chromadb';
import { expect, it } from 'vitest';
import { messageVectorSource } from '../../../functions/agents/message-embedder/message-vector-source.ts';
import { createdDocument } from '../../../functions/agents/message-indexer/message-document.ts';
import { reembedder } from '../../../functions/agents/reembedder/handler.ts';
import { hashedEmbedding } from '../../../functions/models/offline-embedding.ts';
import { scheduleReembedTails } from '../../../functions/ops/reembed-tail-schedule.ts';
import { readStorageEnv } from '../../../functions/storage/storage-env.ts';
import { tenantReembedPort } from '../../../functions/storage/tenant-reembed-port.ts';
import { documentStoreOn, tenantStoragePorts } from '../../../functions/storage/tenant-storage-ports.ts';
import { reembedderDeps } from './reembedder-harness.ts';

const documents = Number((env as unknown as Record<string, string>).REEMBED_BENCH_DOCUMENTS ?? '300');
const PAGE = Number((env as unknown as Record<string, string>).REEMBED_BENCH_PAGE ?? '500');
const PER_STEP = Number((env as unknown as Record<string, string>).REEMBED_BENCH_PAGES_PER_STEP ?? '4');
const SEED_PAGE = 500;
const LIVE_PER_SECOND = 50;
const OLD = { model: 'old-embed', dimension: 64 };
const NEW = { model: 'new-embed', dimension: 128 };
const run = Math.random().toString(36).slice(2, 8);
const settings = readStorageEnv(env);
const embedderFor =
  (spec: EmbeddingSpec): Embedder =>
  async (texts) => ({ ...spec, vectors: texts.map((t) => hashedEmbedding(t, spec.dimension)) });

function message(tenant: string, i: number): StoredDocument {
  const id = String(9_000_000_000 + i);
  return createdDocument(
    { provider: 'contract', tenant },
    {
      urn: `urn:contract:message:${tenant}:${id}`,
      foreign_id: id,
      channel: { urn: `urn:contract:channel:${tenant}:c${i % 40}`, foreign_id: `c${i % 40}` },
      is_direct: false,
      author: { urn: `urn:contract:user:${tenant}:u${i % 17}`, foreign_id: `u${i % 17}`, bot: false },
      content: `message ${i}: ducks ${i % 7} paddle ${i % 13} across pond ${i % 29}`,
      created_at: '2026-01-01T00:00:00.000Z',
      attachments: [],
      mentions: { users: [], roles: [], everyone: false, bot: false },
    },
  );
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

it(
  `re-embeds ${documents} documents of the embedded store on the platform path with live writes, losing and duplicating none`,
  async () => {
    const tenant = `reembed-bench-${run}`;
    const scope = { provider: 'contract', tenant };
    const registry = ProviderRegistry.fromYaml(`
version: 1
providers:
  contract:
    adapter: echo
    tenants:
      ${tenant}: { storage: { documents: sqlite, vectors: chroma } }
`);
    const view = registry.tenant('contract', tenant);
    const ports = () => tenantStoragePorts(env, view);
    /** The message-embedder's write: the documents, then their vectors with the model given. */
    const write = async (docs: StoredDocument[], spec: EmbeddingSpec) => {
      const { documents: store, vectors } = ports();
      await store!.upsertMany('messages', docs);
      const sources = docs.map(messageVectorSource).flatMap((s) => (s.skip === undefined ? [s] : []));
      const answer = await embedderFor(spec)(sources.map((s) => s.text));
      await vectors!.upsert(
        'messages',
        sources.map((s, k) => ({
          id: s.id,
          embedding: answer.vectors[k]!,
          document: s.text,
          metadata: s.metadata,
        })),
        answer,
      );
    };
    const tSeed = performance.now();
    for (let i = 0; i < documents; i += SEED_PAGE) {
      await write(
        Array.from({ length: Math.min(SEED_PAGE, documents - i) }, (_, k) => message(tenant, i + k)),
        OLD,
      );
    }
    const seedSeconds = (performance.now() - tSeed) / 1000;

    /**
     * Seconds inside the re-embed port by what the call did (the phase a step began in), so the fixed part
     * around the backfill shows: `prepare` (the start), `backfill`, `catch_up` (the log drained into the
     * new collection, dual-write on; with a cutover goal it cuts over in the same step), `cutover`, `tail`
     * (after cutover), `routing_read` (a separate check that the re-embed is current, where the agent makes
     * one). `step_overhead` (set below) is the rest of the steps' time: the agent runtime, schema checks and
     * publishing.
     */
    const phaseSeconds: Record<string, number> = {};
    let phaseNow = 'prepared';
    const stepPhase: Record<string, string> = {
      prepared: 'backfill',
      backfilling: 'backfill',
      backfilled: 'catch_up',
      dual_write: 'cutover',
      cut_over: 'tail',
    };
    const timed = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
      const t = performance.now();
      try {
        return await work();
      } finally {
        phaseSeconds[name] = (phaseSeconds[name] ?? 0) + (performance.now() - t) / 1000;
      }
    };
    const timedStep = <T extends { state: { phase: string } } | undefined>(step: () => Promise<T>) =>
      timed(stepPhase[phaseNow] ?? phaseNow, async () => {
        const answer = await step();
        if (answer) phaseNow = answer.state.phase;
        return answer;
      });
    const timedPort = (port: ReembedPort): ReembedPort => ({
      ...port,
      reembedCurrent: () => timed('routing_read', () => port.reembedCurrent()),
      reembedStart: (o) => timed('prepare', () => port.reembedStart(o)),
      reembedStep: () => timedStep(() => port.reembedStep()),
      reembedStepIfCurrent: (id) => timedStep(() => port.reembedStepIfCurrent(id)),
    });
    const reembed = () =>
      timedPort(tenantReembedPort(env, view, { embedderFor, pageSize: PAGE, pagesPerStep: PER_STEP })!);
    const { deps, recorder } = reembedderDeps(env, registry, reembed);
    const ops = new OpsRecorder();
    /** Time spent in steps, by the phase the migration was in when the step began. */
    const stepSeconds: Record<string, { steps: number; seconds: number }> = {};
    /** Handles a chain's messages as the queue consumer would, each the step the last one published. */
    const chain = async (first: unknown, firstLabel: string) => {
      let next: unknown = first;
      let steps = 0;
      let last: Envelope | undefined;
      for (; next !== undefined; steps++) {
        recorder.published.length = 0;
        const before = String((last?.payload as { phase?: string } | undefined)?.phase ?? firstLabel);
        const tStep = performance.now();
        const outcome = (await invokeAgent(reembedder, next, deps)).outcome;
        const spent = stepSeconds[before] ?? { steps: 0, seconds: 0 };
        stepSeconds[before] = spent;
        spent.steps++;
        spent.seconds = round(spent.seconds + (performance.now() - tStep) / 1000);
        if (outcome !== 'ok') throw new Error(`step ${steps}: ${outcome}`);
        for (const e of recorder.published) ops.reembedProgress(e);
        last = recorder.published.findLast((e) => e.intent === 'jobs.migrations.reembed.progress') ?? last;
        next = recorder.published.find((e) => e.intent === 'jobs.migrations.reembed.step');
      }
      return { steps, last: last?.payload as Record<string, unknown> | undefined };
    };

    let live = 0;
    let writing = true;
    let searches = 0;
    let searchErrors = 0;
    /** The first search failure's message, so a failed run says what failed. */
    let firstSearchError: string | undefined;
    const writer = (async () => {
      const started = performance.now();
      while (writing) {
        const due = Math.floor(((performance.now() - started) / 1000) * LIVE_PER_SECOND) - live;
        if (due > 0) {
          const batch = Array.from({ length: due }, (_, k) => message(tenant, documents + live + k));
          live += due;
          // The writer embeds with the model of the routed read collection, as the embedder does.
          const pin = (await ports().vectors!.pinned('messages')) ?? OLD;
          await write(batch, pin.model === NEW.model ? NEW : OLD);
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    let searching = true;
    const searcher = (async () => {
      while (searching) {
        try {
          await followingSearch(ports().vectors!);
          searches++;
        } catch (error) {
          searchErrors++;
          firstSearchError ??= error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();

    const t0 = performance.now();
    const liveAtStart = live;
    const toCutover = await chain(
      {
        id: `reembed:bench-${run}:c1:step:0`,
        ts: '2026-12-03T09:00:00.000Z',
        src: 'admin',
        dst: `promethean.p.contract.t.${tenant}.jobs.migrations.reembed.step`,
        provider: 'contract',
        tenant,
        intent: 'jobs.migrations.reembed.step',
        payload: { migration_id: 'bench', chain: 'c1', seq: 0, start: { ...NEW, goal: 'cut_over' } },
      },
      'start',
    );
    const seconds = (performance.now() - t0) / 1000;
    const liveDuring = live - liveAtStart;
    const inPort = Object.values(phaseSeconds).reduce((a, b) => a + b, 0);
    const windowPhases: Record<string, number> = { step_overhead: round(seconds - inPort) };
    for (const [name, s] of Object.entries(phaseSeconds)) windowPhases[name] = round(s);
    writing = false;
    await writer;
    // Writes made around the cutover by a writer still on the old pin: the cron tick's tail chain.
    const progress =
      ops.takeDelta({ worker: 'functions', isolate: 'bench', at: Date.now(), health: [] }).migrations ?? [];
    const tick = new PublishRecorder();
    await scheduleReembedTails(tick, progress, Date.now() + 60_000);
    const tail = tick.published[0] ? await chain(tick.published[0], 'tail') : { steps: 0, last: undefined };
    searching = false;
    await searcher;

    const status = (await reembed().reembedStatus())!;
    const store = documentStoreOn(env, scope, 'sqlite', settings);
    const all: StoredDocument[] = [];
    for (let cursor: string | null = null; ; ) {
      const page = await store.scanPage('messages', cursor, 1000);
      all.push(...page.documents);
      cursor = page.next;
      if (cursor === null) break;
    }
    const chroma = new ChromaClient(chromaClientArgs(settings.chromaUrl));
    const report = await integrityReport({
      documents: all,
      sourceOf: messageVectorSource,
      collection: await chroma.getCollection({ name: status.state.to.name }),
      collectionName: status.state.to.name,
      expected: NEW,
    });
    const tRollback = performance.now();
    const rolled = await reembed().reembedRollback();
    const rollbackSeconds = (performance.now() - tRollback) / 1000;

    // Baseline: wipe and rebuild the same tenant with the new model, read from the same store.
    const tBase = performance.now();
    const rebuildName = `${status.state.from.name}__rebuild`;
    const rebuilt = await chroma.createCollection({ name: rebuildName, embeddingFunction: null });
    let rebuiltCount = 0;
    for (let cursor: string | null = null; ; ) {
      const page = await store.scanPage('messages', cursor, PAGE);
      const sources = page.documents
        .map(messageVectorSource)
        .flatMap((s) => (s.skip === undefined ? [s] : []));
      if (sources.length > 0) {
        const answer = await embedderFor(NEW)(sources.map((s) => s.text));
        await rebuilt.add({
          ids: sources.map((s) => s.id),
          embeddings: answer.vectors,
          documents: sources.map((s) => s.text),
          metadatas: sources.map((s) => s.metadata),
        });
        rebuiltCount += sources.length;
      }
      cursor = page.next;
      if (cursor === null) break;
    }
    const baselineSeconds = (performance.now() - tBase) / 1000;
    for (const name of [rolled.state.from.name, rolled.state.to.name, rebuildName])
      await chroma.deleteCollection({ name });

    const result = {
      bench: 'reembed-platform',
      documents,
      document_store: 'embedded (SQLite TenantDocuments Durable Object, workerd)',
      path: 'reembedder agent, one step message after another as the queue delivers them',
      page_size: PAGE,
      seconds: round(seconds),
      docs_per_s: Math.round(documents / seconds),
      steps: toCutover.steps,
      pages_per_step: PER_STEP,
      step_seconds_by_phase: stepSeconds,
      // The measured window (`seconds`) split by what the re-embed port was doing (see `timedPort`).
      phase_seconds: windowPhases,
      // Summed over the migration's life (read-ahead embeds overlap the writes): where the steps' time went.
      migration_seconds: {
        chroma_writes: round((status.state.latency?.chroma_upsert_ms.sum ?? 0) / 1000),
        chroma_write_calls: status.state.latency?.chroma_upsert_ms.count ?? 0,
        embed: round((status.state.latency?.embed_ms.sum ?? 0) / 1000),
      },
      phase: toCutover.last?.phase,
      copied: toCutover.last?.copied,
      live_writes_during: liveDuring,
      live_rate_target: LIVE_PER_SECOND,
      searches_during: searches,
      search_errors: searchErrors,
      ...(firstSearchError === undefined ? {} : { first_search_error: firstSearchError }),
      tail_steps: tail.steps,
      documents_compared: report.counts.documents,
      lost: report.by_kind.missing_vector ?? 0,
      duplicated: Math.max(0, report.counts.vectors - report.counts.expected_vectors),
      drift_after: report.drift.length,
      rollback_seconds: round(rollbackSeconds),
      seed_seconds: round(seedSeconds),
      baseline: {
        kind: 'wipe and re-backfill from TenantDocuments',
        seconds: round(baselineSeconds),
        docs_per_s: Math.round(rebuiltCount / baselineSeconds),
      },
    };
    console.log(JSON.stringify(result));
    expect(result.phase).toBe('cut_over');
    expect(result.lost).toBe(0);
    expect(result.duplicated).toBe(0);
    expect(result.drift_after).toBe(0);
    expect(result.search_errors).toBe(0);
    expect(result.documents_compared).toBe(documents + live);
    expect(rolled.state.phase).toBe('rolled_back');
  },
  30 * 60_000,
);
