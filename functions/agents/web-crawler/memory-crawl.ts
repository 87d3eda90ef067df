/**
 * The crawl port in one process: the job cores and the host policy in memory, with the same rules as
 * the Durable Objects (job token first and refunded when the host refuses). Tests and the in-memory
 * platform use it; `send` is where admitted items go (a queue double).
 */
import type {
  CompleteAnswer,
  CrawlPort,
  FrontierClaim,
  PassCounter,
  ResponseEnd,
  StepReport,
  Turn,
} from '@promethean/shared/web/crawl-port';
import type { FetchRequest, FetchResult, PageFetcher } from '@promethean/shared/web/page-fetcher';
import { CrawlJobCore, MemoryJobStore, type Outgoing } from './crawl-job-core.ts';
import {
  HostPolicyCore,
  type HostPolicySettings,
  MemoryHostRecords,
  type Permit,
  type RobotsReady,
} from './host-policy.ts';

export interface MemoryTurns {
  horizon_ms: number;
  sleep: (ms: number) => Promise<void>;
}

export class MemoryCrawl implements CrawlPort {
  readonly jobs = new Map<string, CrawlJobCore>();
  readonly stores = new Map<string, MemoryJobStore>();
  readonly #fetcher: PageFetcher;
  readonly #hosts: HostPolicyCore;
  readonly #now: () => number;
  readonly #send: (job_id: string, items: Outgoing[]) => void;
  readonly #turns: MemoryTurns | undefined;

  constructor(
    fetcher: PageFetcher,
    settings: HostPolicySettings,
    now: () => number,
    send: (job_id: string, items: Outgoing[]) => void,
    /** The host sends requests in its turn (the Worker's CRAWL_HOST_TURNS); absent: permit, fetch, release. */
    turns?: MemoryTurns,
  ) {
    this.#turns = turns;
    this.#fetcher = fetcher;
    this.#now = now;
    this.#send = send;
    this.#hosts = new HostPolicyCore(new MemoryHostRecords(), fetcher, settings, now);
  }

  /** The job's core, rebuilt from its store: what a Durable Object restart does. */
  job(job_id: string): CrawlJobCore {
    let core = this.jobs.get(job_id);
    if (!core) {
      const store = this.stores.get(job_id) ?? new MemoryJobStore();
      this.stores.set(job_id, store);
      core = new CrawlJobCore(store, this.#now);
      this.jobs.set(job_id, core);
    }
    return core;
  }

  /** Forgets the in-memory cores (their stores stay): the next call reloads, as after an eviction. */
  evict(): void {
    this.jobs.clear();
  }

  start(config: unknown): void {
    const parsed = config as { job_id: string };
    this.#send(parsed.job_id, this.job(parsed.job_id).start(config));
  }

  async claim(job_id: string, key: string): Promise<FrontierClaim> {
    return this.job(job_id).claim(key);
  }

  async complete(job_id: string, key: string, report: StepReport): Promise<CompleteAnswer> {
    const { answer, send } = this.job(job_id).complete(key, structuredClone(report));
    this.#send(job_id, send);
    return answer;
  }

  async passed(job_id: string, counters: readonly PassCounter[], page_id: string): Promise<void> {
    this.job(job_id).passed(counters, page_id);
  }

  async touch(job_id: string, key: string): Promise<void> {
    this.job(job_id).touch(key);
  }

  async robots(_job_id: string, origin: string, holder: string): Promise<RobotsReady> {
    return this.#hosts.robots(origin, holder);
  }

  async permit(job_id: string, url: string, holder: string): Promise<Permit> {
    const job = this.job(job_id);
    const wait = job.take();
    if (wait > 0) return { kind: 'wait', wait_ms: wait };
    const permit = await this.#hosts.permit(url, holder);
    if (permit.kind !== 'go') job.refund();
    return permit;
  }

  async release(
    _job_id: string,
    url: string,
    holder: string,
    cut_short = false,
    end?: ResponseEnd,
  ): Promise<void> {
    await this.#hosts.release(url, holder, cut_short, end);
  }

  async fetchInTurn(job_id: string, request: FetchRequest, holder: string): Promise<Turn | undefined> {
    if (!this.#turns) return undefined;
    return this.#hosts.requestInTurn(request, holder, {
      // The job's core is looked up at each ask: an eviction meanwhile reloads it, as a stub would.
      job_gate: { take: async () => this.job(job_id).take(), refund: async () => this.job(job_id).refund() },
      sleep: this.#turns.sleep,
      horizon_ms: this.#turns.horizon_ms,
    });
  }

  refusal(url: string): Promise<Extract<FetchResult, { kind: 'skipped' }> | undefined> {
    return this.#fetcher.refusal(url);
  }

  fetch(_job_id: string, request: FetchRequest): Promise<FetchResult> {
    return this.#fetcher.fetch(request);
  }
}
