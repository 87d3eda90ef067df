/**
 * What a crawl worker asks of the platform (`web.crawl` capability): the job's frontier (claim an
 * item, report it finished with the links it found), the per-host politeness gate with its robots
 * cache, and the fetcher. On the Worker these are the CrawlJob and CrawlHost Durable Objects; in
 * tests, the same cores in memory.
 */
import type { CrawlJobConfig, FrontierItem } from './crawl-config.ts';
import type { Counter, JobState } from './crawl-ledger.ts';
import type { FetchRequest, FetchResult } from './page-fetcher.ts';
import type { RobotsRules } from './robots-txt.ts';

export type Permit =
  /** Go, but send no sooner than `start_in_ms` after this answer arrived (absent: at once). */
  | { kind: 'go'; delay_ms: number; start_in_ms?: number }
  | { kind: 'wait'; wait_ms: number }
  | { kind: 'disallowed'; detail: string };

/**
 * When the fetching worker read a response's end, sent with the release: `ended_at` on the worker's
 * clock, and `held_ms`, the worker's own measure of the time from the permit's answer to that end (a
 * duration, so no clock skew in it). The host counts the crawl-delay from `ended_at`, kept within what it
 * knows for sure (see `releaseHost`), instead of from the release's arrival a round trip later.
 */
export interface ResponseEnd {
  ended_at: number;
  held_ms: number;
}

/** A request made in the host's turn (`fetchInTurn`): its answer, or why none was made. */
export type Turn =
  | { kind: 'fetched'; delay_ms: number; result: FetchResult }
  | { kind: 'wait'; wait_ms: number }
  | { kind: 'disallowed'; detail: string };

export type RobotsReady =
  | {
      kind: 'ready';
      sitemaps: string[];
      delay_ms: number;
      state: 'parsed' | 'unavailable' | 'unreachable';
      /** The rules the host's robots.txt gives the job's user agent, while its cached copy holds. */
      rules?: HostRobotsRules | undefined;
    }
  | { kind: 'wait'; wait_ms: number };

/**
 * An origin's robots rules for one user agent, valid until `expires_at` (the host's cache entry's). The
 * robots item reports them to its job, which then finishes the items they disallow itself: such an item
 * makes no request, so sending it would only hold a place in its host's lane.
 */
export interface HostRobotsRules {
  origin: string;
  rules: RobotsRules;
  expires_at: number;
}

/** A frontier item's claim: work on it, drop the message (done, cancelled, unknown), or park it (paused). */
export type FrontierClaim =
  | { kind: 'go'; config: CrawlJobConfig; state: JobState }
  | { kind: 'skip'; reason: 'done' | 'unknown_job' | 'unknown_item' | 'cancelled' | 'finished' }
  | { kind: 'parked' };

/** A link (or sitemap entry) the step found; the job admits it once, by canonical URL. */
export interface AdmitRequest {
  raw: string;
  base: string | undefined;
  item: Omit<FrontierItem, 'url'>;
}

/** What one finished item reports: the links it found and its counter increments. */
export interface StepReport {
  requests: AdmitRequest[];
  counters: Partial<Record<Counter, number>>;
  /** A robots item's: its origin's rules (absent for other items, or when the host gave none). */
  robots?: HostRobotsRules | undefined;
}

export interface CompleteAnswer {
  /** New frontier items the job admitted (and sent) for this report; 0 for a repeated report. */
  admitted: number;
  state: JobState;
  open: number;
}

/** Frontier items are keyed `<kind>:<canonical url>` (the ledger's dedupe key). */
export function frontierKey(item: Pick<FrontierItem, 'kind' | 'url'>): string {
  return `${item.kind}:${item.url}`;
}

export interface CrawlPort {
  claim(job_id: string, key: string): Promise<FrontierClaim>;
  /** Marks the item done and admits what it found; repeated reports of a done item change nothing. */
  complete(job_id: string, key: string, report: StepReport): Promise<CompleteAnswer>;
  /** The item waits in the queue (host or job busy): the job's sweep leaves it alone meanwhile. */
  touch(job_id: string, key: string): Promise<void>;
  robots(job_id: string, origin: string, holder: string): Promise<RobotsReady>;
  /** robots allows `url` and both the job's QPS bucket and the host's gate grant a request now. */
  permit(job_id: string, url: string, holder: string): Promise<Permit>;
  /**
   * `cut_short`: the response was not read to its end (its body cancelled); `end`: when the worker read
   * the response's end (see HostPolicyPort).
   */
  release(job_id: string, url: string, holder: string, cut_short?: boolean, end?: ResponseEnd): Promise<void>;
  /**
   * Robots, the job's token, the host's slot and the request in one ask of the host's owner, which
   * sends the request itself at the slot's time and releases the slot when the response is read.
   * Absent (or answering undefined: turned off): the worker asks `permit`, fetches and `release`s.
   */
  fetchInTurn?(job_id: string, request: FetchRequest, holder: string): Promise<Turn | undefined>;
  refusal(url: string): Promise<Extract<FetchResult, { kind: 'skipped' }> | undefined>;
  fetch(job_id: string, request: FetchRequest): Promise<FetchResult>;
  /**
   * Passes (web-summarizer, web-tagger) hold for a page the job stored: each counter goes up once per
   * page, however often the pass runs for it. Several counters travel in one call (the tagger's two).
   */
  passed(job_id: string, counters: readonly PassCounter[], page_id: string): Promise<void>;
}

/** The job counters the passes feed (they run after the page's frontier item finished). */
export type PassCounter = Extract<Counter, 'summaries' | 'tagged' | 'vectors'>;
