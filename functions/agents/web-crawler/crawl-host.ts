/**
 * CrawlHost: one Durable Object per origin (shared by every tenant and job, so a host sees one
 * polite crawler), owning the origin's robots.txt cache and its politeness gate: one request in
 * flight (leased, so a dead worker's slot comes back), the crawl-delay between starts, a token bucket.
 */
import { DurableObject } from 'cloudflare:workers';
import type { Permit, ResponseEnd, RobotsReady, Turn } from '@promethean/shared/web/crawl-port';
import type { FetchRequest } from '@promethean/shared/web/page-fetcher';
import { entryRules } from '@promethean/shared/web/robots-cache';
import { workerPageFetcher } from './crawl-fetcher.ts';
import { HOST_LEASE_MS } from './durable-object-crawl.ts';
import {
  HOST_TURN_HORIZON_MS,
  HostPolicyCore,
  type HostPolicySettings,
  type HostRecord,
  type HostRecords,
  type RemoteJobGate,
} from './host-policy.ts';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** What the status page shows of a host: its robots.txt state and its politeness gate. */
export interface HostSnapshot {
  origin: string;
  robots_state: 'parsed' | 'unavailable' | 'unreachable' | 'unknown';
  robots_status: number | undefined;
  robots_expires_at: number | undefined;
  crawl_delay_s: number | undefined;
  in_flight: boolean;
  last_start: number | undefined;
}

/**
 * Host records in the object's storage, with the object's own copy in memory: every permit and release
 * reads and changes the gate, and reading the whole record back (the parsed robots.txt with it) each
 * time cost more CPU than the rest of the permit. The gate alone goes under `g:` when only it changed;
 * `h:` holds the whole record (with the gate as of the last robots change).
 */
class KvHostRecords implements HostRecords {
  readonly #cache = new Map<string, HostRecord>();
  constructor(readonly kv: SyncKvStorage) {}
  get(origin: string): HostRecord | undefined {
    const cached = this.#cache.get(origin);
    if (cached) return cached;
    const stored = this.kv.get<HostRecord>(`h:${origin}`);
    if (!stored) return undefined;
    const gate = this.kv.get<HostRecord['gate']>(`g:${origin}`);
    const record = gate ? { ...stored, gate } : stored;
    this.#cache.set(origin, record);
    return record;
  }
  set(origin: string, record: HostRecord): void {
    const before = this.get(origin);
    this.#cache.set(origin, record);
    if (before && before.robots === record.robots) {
      this.kv.put(`g:${origin}`, record.gate);
      return;
    }
    this.kv.put(`h:${origin}`, record);
    this.kv.delete(`g:${origin}`);
  }
}

export class CrawlHost extends DurableObject<FunctionsEnv> {
  #core: HostPolicyCore | undefined;
  #settingsKey = '';
  readonly #records: KvHostRecords;

  constructor(ctx: DurableObjectState, env: FunctionsEnv) {
    super(ctx, env);
    this.#records = new KvHostRecords(ctx.storage.kv);
  }

  /** The policy for the job's settings; rebuilt (state kept in storage) when another job's differ. */
  #policy(settings: HostPolicySettings): HostPolicyCore {
    const key = JSON.stringify(settings);
    if (!this.#core || key !== this.#settingsKey) {
      this.#core = new HostPolicyCore(
        this.#records,
        workerPageFetcher(this.env, settings.user_agent),
        settings,
        () => Date.now(),
      );
      this.#settingsKey = key;
    }
    return this.#core;
  }

  /** The origin's stored state, read without touching the gate; undefined for a host never asked. */
  snapshot(origin: string, user_agent: string): HostSnapshot | undefined {
    const record = this.#records.get(origin);
    if (!record) return undefined;
    const robots = record.robots;
    return {
      origin,
      robots_state: robots?.state ?? 'unknown',
      robots_status: robots?.status,
      robots_expires_at: robots?.expires_at,
      crawl_delay_s: robots ? entryRules(robots, user_agent).crawl_delay_s : undefined,
      // A slot whose lease ran out (its worker died) is free: the next permit takes it back.
      in_flight:
        record.gate.in_flight !== undefined && Date.now() - record.gate.in_flight_since < HOST_LEASE_MS,
      last_start: Number.isFinite(record.gate.last_start) ? record.gate.last_start : undefined,
    };
  }

  robots(origin: string, holder: string, settings: HostPolicySettings): Promise<RobotsReady> {
    return this.#policy(settings).robots(origin, holder);
  }

  /**
   * The host's slot for `url`. `job` (the CrawlJob object's name): its QPS token is taken from here, only
   * when the host would grant (`HostPolicyCore.permitWithJob`); absent, the caller took it.
   */
  permit(url: string, holder: string, settings: HostPolicySettings, job?: string): Promise<Permit> {
    const policy = this.#policy(settings);
    return job ? policy.permitWithJob(url, holder, this.#jobGate(job)) : policy.permit(url, holder);
  }

  #jobGate(job: string): RemoteJobGate {
    const jobs = this.env.CRAWL_JOBS;
    const stub = jobs.get(jobs.idFromName(job));
    return { take: () => stub.take(), refund: () => stub.refund() };
  }

  /** `end`: when the worker read the response's end; kept within bounds the gate can prove (`releaseHost`). */
  release(
    url: string,
    holder: string,
    settings: HostPolicySettings,
    cut_short = false,
    end?: ResponseEnd,
  ): Promise<void> {
    return this.#policy(settings).release(url, holder, cut_short, end);
  }

  /**
   * The request made here, in the host's turn (`HostPolicyCore.requestInTurn`): the timer that ends the
   * crawl-delay sends it, and the response's end releases the slot, with no round trip to a worker in
   * between. The job's QPS token is taken from its CrawlJob (`job`: the object's name) at the slot's time.
   */
  fetchInTurn(
    request: FetchRequest,
    holder: string,
    settings: HostPolicySettings,
    job: string,
  ): Promise<Turn> {
    return this.#policy(settings).requestInTurn(request, holder, {
      job_gate: this.#jobGate(job),
      sleep,
      horizon_ms: HOST_TURN_HORIZON_MS,
    });
  }
}
