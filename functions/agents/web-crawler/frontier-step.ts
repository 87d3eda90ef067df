/**
 * One frontier message on the platform: claim the item from its job, run the crawl step with the
 * job's politeness and fetcher behind the crawl port, then report the item finished with the links
 * it found. A crash anywhere before the report leaves the item open for a redelivery or the job's
 * sweep; every write on the way is an upsert by id, so running it twice stores nothing twice.
 */
import type { DocumentStore } from '@promethean/shared/effects/document-store';
import type { ModelPort, VectorStore } from '@promethean/shared/effects/effect-ports';
import type { FrontierItem } from '@promethean/shared/web/crawl-config';
import type { CrawlPort } from '@promethean/shared/web/crawl-port';
import type { PassPageRef } from '../../web-summarizer/page-summary-step.ts';
import { CrawlMetrics } from './crawl-metrics.ts';
import { type CrawlDeps, crawlStep } from './crawl-step.ts';
import { passRef } from './page-passes.ts';
import { RecordingLedger } from './recording-ledger.ts';

export interface FrontierPorts {
  crawl: CrawlPort;
  documents: DocumentStore;
  vectors: VectorStore;
  models: ModelPort;
  /**
   * Hands a stored page to its passes (on the platform: publishes `web.page.stored` for the
   * web-summarizer). Called before the item's report, so a crash in between redoes the item, whose
   * page is fetched again and handed on again; the passes write nothing twice.
   */
  stored: (page: PassPageRef) => Promise<void>;
}

export type FrontierOutcome =
  | { kind: 'done'; admitted: number; open: number }
  | { kind: 'skipped'; reason: string }
  | { kind: 'parked' }
  | { kind: 'wait'; wait_ms: number };

/**
 * Waiting in the handler for a host's slot (or the job's QPS token) instead of a queue round trip: a
 * crawl-delay is usually well under a second. Only the ask is repeated, not the item's claim, refusal
 * check and document read before it.
 */
export interface InlineWaits {
  /** A longer wait goes back to the queue. */
  max_wait_ms: number;
  /** Asks one item may repeat before it goes back to the queue. */
  max_waits: number;
  sleep: (ms: number) => Promise<void>;
}

export interface FrontierMessage {
  job_id: string;
  key: string;
  item: FrontierItem;
}

const none = async () => undefined;

export async function frontierStep(
  msg: FrontierMessage,
  ports: FrontierPorts,
  holder: string,
  now: () => number,
  inline?: InlineWaits,
): Promise<FrontierOutcome> {
  const { crawl } = ports;
  const job = msg.job_id;
  let waits = 0;
  const patiently = async <T extends { kind: string; wait_ms?: number } | undefined>(
    ask: () => Promise<T>,
  ): Promise<T> => {
    for (;;) {
      const answer = await ask();
      if (answer?.kind !== 'wait' || !inline) return answer;
      const wait = answer.wait_ms ?? 0;
      if (wait > inline.max_wait_ms || waits >= inline.max_waits) return answer;
      waits++;
      await inline.sleep(wait);
    }
  };
  const claim = await crawl.claim(job, msg.key);
  if (claim.kind === 'skip') return { kind: 'skipped', reason: claim.reason };
  if (claim.kind === 'parked') return claim;
  const ledger = new RecordingLedger(claim.config, claim.state);
  const stored: PassPageRef[] = [];
  const deps: CrawlDeps = {
    config: claim.config,
    ledger,
    fetcher: {
      refusal: (url) => crawl.refusal(url),
      fetch: (request) => crawl.fetch(job, request),
    },
    hosts: {
      robots: (origin, h) => patiently(() => crawl.robots(job, origin, h)),
      // The job's QPS bucket is asked by the port (on the platform the host's object asks it, when it would grant).
      permit: (url, h) => patiently(() => crawl.permit(job, url, h)),
      release: (url, h, cut, end) => crawl.release(job, url, h, cut, end),
      ...(crawl.fetchInTurn
        ? { fetchInTurn: (request, h) => patiently(() => crawl.fetchInTurn?.(job, request, h) ?? none()) }
        : {}),
    },
    documents: ports.documents,
    vectors: ports.vectors,
    models: ports.models,
    metrics: new CrawlMetrics(),
    now,
    sleep: inline?.sleep,
    // The passes are agents of their own: the fetch path only stores the page and tells them.
    schedule_passes: (page) => stored.push(passRef(page.id, page.record)),
  };
  const result = await crawlStep(deps, msg.item, holder);
  if (result.kind === 'wait') {
    await crawl.touch(job, msg.key);
    return result;
  }
  for (const page of stored) await ports.stored(page);
  const report = ledger.report();
  if (result.robots) report.robots = result.robots;
  const answer = await crawl.complete(job, msg.key, report);
  return { kind: 'done', admitted: answer.admitted, open: answer.open };
}
