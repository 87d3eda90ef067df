/**
 * The crawl port on this Worker: the job's CrawlJob object, each origin's CrawlHost object, and the
 * page fetcher under the env's SSRF policy. The job's QPS token is taken by the host's object, only when
 * the host would grant, so a request waiting for its host never spends the job's budget.
 */
import type { CrawlJobConfig } from '@promethean/shared/web/crawl-config';
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
import { type CrawlEnv, readCrawlEnv } from './crawl-env.ts';
import { workerPageFetcher } from './crawl-fetcher.ts';
import {
  HOST_OFFER_MS,
  HOST_QUEUE_HORIZON_MS,
  type HostPolicySettings,
  type Permit,
  type RobotsReady,
} from './host-policy.ts';

/** A slot held longer than this is taken back: the holder died. */
export const HOST_LEASE_MS = 60_000;

export function crawlJobName(provider: string, tenant: string, job_id: string): string {
  return `${provider}/${tenant}/${job_id}`;
}

export class DurableObjectCrawl implements CrawlPort {
  readonly #env: FunctionsEnv;
  readonly #provider: string;
  readonly #tenant: string;
  /** Configs learned from claims (a worker claims before it asks for anything else). */
  readonly #configs = new Map<string, CrawlJobConfig>();
  readonly #fetchers = new Map<string, PageFetcher>();
  #crawlEnv: CrawlEnv | undefined;

  constructor(env: FunctionsEnv, provider: string, tenant: string) {
    this.#env = env;
    this.#provider = provider;
    this.#tenant = tenant;
  }

  // One stub per object and invocation: an item asks its job and its host several times.
  readonly #jobs = new Map<string, ReturnType<FunctionsEnv['CRAWL_JOBS']['get']>>();
  readonly #hosts = new Map<string, ReturnType<FunctionsEnv['CRAWL_HOSTS']['get']>>();

  #job(job_id: string): ReturnType<FunctionsEnv['CRAWL_JOBS']['get']> {
    let stub = this.#jobs.get(job_id);
    if (!stub) {
      const ns = this.#env.CRAWL_JOBS;
      stub = ns.get(ns.idFromName(crawlJobName(this.#provider, this.#tenant, job_id)));
      this.#jobs.set(job_id, stub);
    }
    return stub;
  }

  #host(url: string): ReturnType<FunctionsEnv['CRAWL_HOSTS']['get']> {
    const origin = new URL(url).origin;
    let stub = this.#hosts.get(origin);
    if (!stub) {
      const ns = this.#env.CRAWL_HOSTS;
      stub = ns.get(ns.idFromName(origin));
      this.#hosts.set(origin, stub);
    }
    return stub;
  }

  #config(job_id: string): CrawlJobConfig {
    const config = this.#configs.get(job_id);
    if (!config) throw new Error(`crawl job ${job_id}: not claimed in this invocation`);
    return config;
  }

  // Read on first use, not in the constructor: every tenant's ports build this object, and a bad
  // CRAWL_HOST_QUEUE should stop crawls only (CrawlConfigurationError, retried), not the tenant's other work.
  #crawlSettings(): CrawlEnv {
    this.#crawlEnv ??= readCrawlEnv(this.#env, { provider: this.#provider, tenant: this.#tenant });
    return this.#crawlEnv;
  }

  #settings(job_id: string): HostPolicySettings {
    const c = this.#config(job_id);
    return {
      user_agent: c.user_agent,
      host_qps: c.host_qps,
      lease_ms: HOST_LEASE_MS,
      // The host's waiter queue is off by default (CRAWL_HOST_QUEUE). Locally the queue consumer runs one
      // batch at a time, and a waiter sleeping until its turn holds its batch: bench:crawl measured the
      // queue at 0.285-0.401 of the bound (5 runs) against 0.400-0.455 without it (2 runs). Deployed
      // consumers run batches concurrently; turn it on there where it is measured.
      ...(this.#crawlSettings().hostQueue
        ? { queue_horizon_ms: HOST_QUEUE_HORIZON_MS, offer_ms: HOST_OFFER_MS }
        : {}),
    };
  }

  #fetcher(user_agent: string): PageFetcher {
    let f = this.#fetchers.get(user_agent);
    if (!f) {
      f = workerPageFetcher(this.#env, user_agent);
      this.#fetchers.set(user_agent, f);
    }
    return f;
  }

  async claim(job_id: string, key: string): Promise<FrontierClaim> {
    const claim = (await this.#job(job_id).claim(key)) as FrontierClaim;
    if (claim.kind === 'go') this.#configs.set(job_id, claim.config);
    return claim;
  }

  async complete(job_id: string, key: string, report: StepReport): Promise<CompleteAnswer> {
    return (await this.#job(job_id).complete(key, report)) as CompleteAnswer;
  }

  async passed(job_id: string, counters: readonly PassCounter[], page_id: string): Promise<void> {
    await this.#job(job_id).passed([...counters], page_id);
  }

  async touch(job_id: string, key: string): Promise<void> {
    await this.#job(job_id).touch(key);
  }

  async robots(job_id: string, origin: string, holder: string): Promise<RobotsReady> {
    return (await this.#host(origin).robots(origin, holder, this.#settings(job_id))) as RobotsReady;
  }

  /** One round trip: the host's object asks the job's for the QPS token, only when it would grant. */
  async permit(job_id: string, url: string, holder: string): Promise<Permit> {
    const job = crawlJobName(this.#provider, this.#tenant, job_id);
    return (await this.#host(url).permit(url, holder, this.#settings(job_id), job)) as Permit;
  }

  async release(
    job_id: string,
    url: string,
    holder: string,
    cut_short = false,
    end?: ResponseEnd,
  ): Promise<void> {
    await this.#host(url).release(url, holder, this.#settings(job_id), cut_short, end);
  }

  /** The host's CrawlHost sends the request in its turn (CRAWL_HOST_TURNS=on; off by default); undefined: off. */
  async fetchInTurn(job_id: string, request: FetchRequest, holder: string): Promise<Turn | undefined> {
    if (!this.#crawlSettings().hostTurns) return undefined;
    const name = crawlJobName(this.#provider, this.#tenant, job_id);
    return (await this.#host(request.url).fetchInTurn(request, holder, this.#settings(job_id), name)) as Turn;
  }

  refusal(url: string): Promise<Extract<FetchResult, { kind: 'skipped' }> | undefined> {
    return this.#fetcher('PrometheanBot').refusal(url);
  }

  fetch(job_id: string, request: FetchRequest): Promise<FetchResult> {
    return this.#fetcher(this.#config(job_id).user_agent).fetch(request);
  }
}
