/**
 * A crawl driven in one process: the frontier in memory, `concurrency` workers, the job-wide QPS
 * bucket, and a checkpoint (ledger + frontier, in-flight items included) written to the `crawl`
 * collection so a killed run resumes where it stopped. The bench and the integration tests use it;
 * the same `crawlStep` is what a queue consumer runs per message.
 */

import { componentTelemetry } from '@promethean/shared/agent/telemetry';
import type { StoredDocument } from '@promethean/shared/effects/document-store';
import { FrontierItem } from '@promethean/shared/web/crawl-config';
import { CrawlLedger, type LedgerSnapshot } from '@promethean/shared/web/crawl-ledger';
import { TokenBucket } from '@promethean/shared/web/host-politeness';
import type { CrawlRecord } from '@promethean/shared/web/page-graph';
import { admitUrl, type CrawlDeps, crawlStep } from './crawl-step.ts';
import { indexPagePasses, type ReconcileResult, reconcilePasses } from './page-passes.ts';

const log = componentTelemetry('local-crawl');

export interface Checkpoint {
  seq: number;
  ledger: LedgerSnapshot;
  frontier: FrontierItem[];
}

export interface LocalCrawlOptions {
  concurrency: number;
  /** Checkpoint after this many finished items. */
  checkpoint_every?: number;
  /** Stop abruptly (no final checkpoint) after this many finished items: a killed worker, for tests. */
  kill_after?: number;
  /** LLM passes at once (their own pool, so fetching never waits for a model); `concurrency` by default. */
  pass_concurrency?: number;
  /** Called with each checkpoint and at the end (progress output). */
  progress?: (ledger: CrawlLedger, frontier: number) => void;
}

export interface LocalCrawlResult {
  killed: boolean;
  ledger: CrawlLedger;
  /** What the closing reconcile repaired (passes a crash lost); undefined when killed. */
  reconciled: ReconcileResult | undefined;
  elapsed_ms: number;
  /** Requests the job's bucket let through, by start time (ms). */
  starts: number[];
}

const CHECKPOINT_ID = (job: string) => `job:${job}`;

export async function loadCheckpoint(
  deps: Pick<CrawlDeps, 'documents' | 'config'>,
): Promise<Checkpoint | undefined> {
  const doc = await deps.documents.get('crawl', CHECKPOINT_ID(deps.config.job_id));
  const value = doc?.slots.checkpoint?.value as Checkpoint | undefined;
  if (!value) return undefined;
  return { ...value, frontier: value.frontier.map((f) => FrontierItem.parse(f)) };
}

async function saveCheckpoint(deps: CrawlDeps, checkpoint: Checkpoint): Promise<void> {
  const doc: StoredDocument = {
    provider: deps.config.provider,
    tenant: deps.config.tenant,
    foreign_id: CHECKPOINT_ID(deps.config.job_id),
    urn: `urn:${deps.config.provider}:crawljob:${deps.config.tenant}:${deps.config.job_id}`,
    index: { job_id: deps.config.job_id, state: checkpoint.ledger.state },
    slots: {
      checkpoint: { version: String(checkpoint.seq).padStart(12, '0'), value: checkpoint },
      config: { version: '0', value: deps.config },
    },
  };
  await deps.documents.upsertMany('crawl', [doc]);
}

/** Seeds a fresh job: each seed and its origin's robots item. */
export function seedFrontier(deps: CrawlDeps): FrontierItem[] {
  return deps.config.seeds.flatMap((s) =>
    admitUrl(deps, s, undefined, { kind: 'page', depth: 0, via: 'seed', hops: 0 }),
  );
}

/** Runs (or resumes, when `resume` holds a checkpoint) a job until its frontier is empty. */
export async function runLocalCrawl(
  deps: Omit<CrawlDeps, 'ledger'>,
  options: LocalCrawlOptions,
  resume?: Checkpoint,
): Promise<LocalCrawlResult> {
  const ledger = new CrawlLedger(deps.config, resume?.ledger);
  const scope = { provider: deps.config.provider, tenant: deps.config.tenant };
  const passQueue: Array<{ id: string; record: CrawlRecord }> = [];
  let passesRunning = 0;
  let crawling = true;
  const bucket = new TokenBucket(deps.config.qps, 1, { tokens: 1, updated_at: deps.now() });
  const starts: number[] = [];
  const full: CrawlDeps = {
    ...deps,
    ledger,
    schedule_passes: (page) => passQueue.push(page),
    job_gate: (now) => {
      const wait = bucket.take(now);
      if (wait === 0) starts.push(now);
      return wait;
    },
  };
  // When each host may next be asked: items of a host that said "wait" are not tried again before then.
  const hostReadyAt = new Map<string, number>();
  const originOf = (url: string) => {
    try {
      return new URL(url).origin;
    } catch {
      return url;
    }
  };
  // Each entry carries its origin, parsed once: the scan below runs on every worker turn.
  type Entry = { item: FrontierItem; at: number; origin: string };
  const entry = (item: FrontierItem, at: number): Entry => ({ item, at, origin: originOf(item.url) });
  const readyAt = (r: Entry) => Math.max(r.at, hostReadyAt.get(r.origin) ?? 0);
  const ready: Entry[] = (resume?.frontier ?? seedFrontier(full)).map((item) => entry(item, 0));
  const inFlight = new Map<number, FrontierItem>();
  let seq = resume?.seq ?? 0;
  let finished = 0;
  let killed = false;
  let nextHolder = 0;
  const started = deps.now();

  const checkpoint = async () => {
    seq++;
    const frontier = [...inFlight.values(), ...ready.map((r) => r.item)];
    await saveCheckpoint(full, { seq, ledger: ledger.snapshot(), frontier });
    options.progress?.(ledger, frontier.length);
  };

  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  async function worker(): Promise<void> {
    for (;;) {
      if (killed) return;
      const now = deps.now();
      const index = ready.findIndex((r) => readyAt(r) <= now);
      if (index === -1) {
        if (ready.length === 0 && inFlight.size === 0) return;
        const soonest =
          ready.length === 0
            ? now + 5
            : ready.reduce((min, r) => Math.min(min, readyAt(r)), Number.POSITIVE_INFINITY);
        await sleep(Math.max(1, Math.min(50, soonest - now)));
        continue;
      }
      const [{ item, origin }] = ready.splice(index, 1) as [Entry];
      const holder = nextHolder++;
      inFlight.set(holder, item);
      let result: Awaited<ReturnType<typeof crawlStep>>;
      try {
        result = await crawlStep(full, item, `w${holder}`);
      } catch (e) {
        // A store or model failure: the item goes back with a delay (at least once; writes are idempotent).
        inFlight.delete(holder);
        ready.push(entry(item, deps.now() + 1000));
        log.warn('crawl step failed; the item is retried', { url: item.url, error: String(e) });
        continue;
      }
      inFlight.delete(holder);
      if (result.kind === 'wait') {
        const at = deps.now() + result.wait_ms;
        hostReadyAt.set(origin, at);
        ready.push({ item, at, origin });
        continue;
      }
      for (const next of result.admitted) ready.push(entry(next, 0));
      finished++;
      if (options.kill_after !== undefined && finished >= options.kill_after) {
        killed = true;
        return;
      }
      if (options.checkpoint_every && finished % options.checkpoint_every === 0) await checkpoint();
    }
  }

  async function passWorker(): Promise<void> {
    for (;;) {
      if (killed) return;
      const next = passQueue.shift();
      if (!next) {
        if (!crawling && passesRunning === 0) return;
        await sleep(5);
        continue;
      }
      passesRunning++;
      try {
        await indexPagePasses(full, scope, next.id, next.record);
      } catch (e) {
        // Left for the closing reconcile, which runs every pass a page is missing.
        log.warn('page pass failed; the closing reconcile runs it again', {
          page: next.id,
          error: String(e),
        });
      } finally {
        passesRunning--;
      }
    }
  }

  const passes = Promise.all(
    Array.from({ length: options.pass_concurrency ?? options.concurrency }, () => passWorker()),
  );
  await Promise.all(Array.from({ length: options.concurrency }, () => worker()));
  crawling = false;
  await passes;
  let reconciled: ReconcileResult | undefined;
  if (!killed) {
    if (deps.config.passes) reconciled = await reconcilePasses(full, scope);
    ledger.setState('done');
    await checkpoint();
  }
  return { killed, ledger, reconciled, elapsed_ms: deps.now() - started, starts };
}
