/**
 * Per-host politeness and robots.txt for a crawl: the robots cache with its fetch-failure rules, one
 * request in flight per host, the crawl delay and a token bucket. `HostPolicyCore` is the logic over
 * plain state; the CrawlHosts Durable Object persists that state, the local driver keeps it in memory.
 */

import type { Permit, ResponseEnd, RobotsReady, Turn } from '@promethean/shared/web/crawl-port';
import {
  acquireHost,
  type GateAnswer,
  type HostGateState,
  INITIAL_HOST_GATE,
  releaseHost,
} from '@promethean/shared/web/host-politeness';
import type { FetchRequest, FetchResult, PageFetcher } from '@promethean/shared/web/page-fetcher';
import {
  entryRules,
  isFresh,
  type RobotsEntry,
  type RobotsFetchOutcome,
  robotsEntryFor,
} from '@promethean/shared/web/robots-cache';
import { isAllowed } from '@promethean/shared/web/robots-txt';

export type { Permit, RobotsReady, Turn };

/** What the crawl asks of the host policy (local or the Durable Object's RPC). */
export interface HostPolicyPort {
  /** Makes sure the origin's robots.txt is known (fetching it, politely, when not). */
  robots(origin: string, holder: string): Promise<RobotsReady>;
  /**
   * The host's request slot for `url`, if robots allows it and politeness permits it now. `jobGate`
   * (the job-wide QPS bucket) is asked last, only when the host would grant, so a request waiting
   * for its host never spends a job token.
   */
  permit(url: string, holder: string, jobGate?: JobGate): Promise<Permit>;
  /**
   * Frees the slot. `cut_short`: the response was not read to its end (its body cancelled: too large,
   * a refused type or status, a timeout), so the host sees its end only when the closed connection
   * reaches it, some time after this: the crawl-delay then counts from one more delay later. `end`: when
   * the worker read a full response's end; the delay counts from it, within bounds (`releaseHost`).
   */
  release(url: string, holder: string, cut_short?: boolean, end?: ResponseEnd): Promise<void>;
  /**
   * Robots, politeness and the request in one, made by the host's owner in its turn (see
   * `HostPolicyCore.requestInTurn`). Absent, or answering undefined: `permit`, fetch, `release`.
   */
  fetchInTurn?(request: FetchRequest, holder: string): Promise<Turn | undefined>;
}

/**
 * On the Worker, waiters for a host within this of their turn queue at the host and are told it, and
 * starts this far ahead are granted. It is under the web-crawler's `inline_wait_ms`, so a queued
 * waiter sleeps in its handler (a waiter that went back to the queue would come back too late for its
 * turn). It is short (about four turns at the fixture's 100 ms crawl-delay) because a waiter holds one
 * of the consumer's concurrent slots while it sleeps: with 1 500 ms, the queue-frontier test's four
 * workers all slept in one host's queue while the other host idled, and the test took 85 s instead of 21.
 * Askers further back go back to the queue at once.
 */
export const HOST_QUEUE_HORIZON_MS = 500;

/** A waiter not back within this of its turn (its worker died, or it went back to the queue) loses it. */
export const HOST_OFFER_MS = 150;

/** Takes a job-wide token at `now` (0) or says how long until one is there (ms). */
export type JobGate = (now: number) => number;

/**
 * The job-wide QPS bucket where it is another object (a round trip): take a token (0) or say how long
 * until one is there (ms); give back a token taken for a request that then did not happen.
 */
export interface RemoteJobGate {
  take(): Promise<number>;
  refund(): Promise<void>;
}

/**
 * A turn waits at the host only when it is due within this (otherwise it goes back to the queue): the
 * web-crawler's `inline_wait_ms`, so a waiting item holds its consumer slot no longer than an inline
 * wait would.
 */
export const HOST_TURN_HORIZON_MS = 1500;

/**
 * A turn asks its job's QPS token this long before the host's slot is due: about the round trip to the
 * job's object on a busy thread, so the request goes out when the delay ends, not a round trip later.
 * A token is thus taken at most this long before its request (the job's rate holds to within it).
 */
export const TOKEN_LEAD_MS = 15;

/** One origin's line of turns waiting in this process: served one at a time, in arrival order. */
interface TurnLine {
  tail: Promise<void>;
  waiting: number;
}

export interface HostPolicySettings {
  user_agent: string;
  /** Requests per second to one host when its robots.txt names no crawl-delay. */
  host_qps: number;
  /** A slot held longer than this is taken back (the holder died). */
  lease_ms: number;
  /**
   * Askers whose turn is at most this far ahead wait in the host's queue, and a start up to this far
   * ahead is granted (the asker sleeps until it). Unset: no queue, immediate grants only.
   */
  queue_horizon_ms?: number;
  /** How long a waiter's turn is kept for it past the time it was told. */
  offer_ms?: number;
}

export interface HostRecord {
  robots: RobotsEntry | undefined;
  gate: HostGateState;
}

/** Where host records live (memory, or a Durable Object's SQLite). */
export interface HostRecords {
  get(origin: string): HostRecord | undefined;
  set(origin: string, record: HostRecord): void;
}

const ROBOTS_TYPES: readonly string[] = ['text/plain', 'text/html', 'application/octet-stream'];

export class HostPolicyCore implements HostPolicyPort {
  readonly #records: HostRecords;
  readonly #fetcher: PageFetcher;
  readonly #settings: HostPolicySettings;
  readonly #now: () => number;
  /** Robots fetches in progress, so concurrent asks for one origin share one request. */
  readonly #pending = new Map<string, Promise<RobotsEntry>>();
  /** Every robots.txt request made (for reports). */
  readonly robotsFetches: Array<{ origin: string; state: RobotsEntry['state']; status: number | undefined }> =
    [];

  constructor(records: HostRecords, fetcher: PageFetcher, settings: HostPolicySettings, now: () => number) {
    this.#records = records;
    this.#fetcher = fetcher;
    this.#settings = settings;
    this.#now = now;
  }

  #record(origin: string): HostRecord {
    return this.#records.get(origin) ?? { robots: undefined, gate: INITIAL_HOST_GATE };
  }

  #delayMs(entry: RobotsEntry | undefined): number {
    const crawlDelay = entry ? entryRules(entry, this.#settings.user_agent).crawl_delay_s : undefined;
    return crawlDelay !== undefined ? crawlDelay * 1000 : 1000 / this.#settings.host_qps;
  }

  #acquire(origin: string, holder: string, jobGate?: JobGate, future = true, commit = true): GateAnswer {
    const record = this.#record(origin);
    const delay = this.#delayMs(record.robots);
    const now = this.#now();
    const [gate, answer] = acquireHost(
      record.gate,
      holder,
      now,
      {
        delay_ms: delay,
        rate: 1000 / Math.max(delay, 1),
        lease_ms: this.#settings.lease_ms,
        queue_horizon_ms: this.#settings.queue_horizon_ms,
        offer_ms: this.#settings.offer_ms,
      },
      future,
    );
    if (answer.granted && jobGate) {
      const wait = jobGate(now);
      if (wait > 0) return { granted: false, wait_ms: wait }; // the host's state is left as it was
    }
    if (commit) this.#records.set(origin, { ...record, gate });
    return answer;
  }

  /** When the host could next start a request (for schedulers that want to avoid asking early). */
  nextStart(origin: string): number {
    const record = this.#record(origin);
    const { last_start, last_end } = record.gate;
    return Math.max(last_start, last_end ?? Number.NEGATIVE_INFINITY) + this.#delayMs(record.robots);
  }

  /**
   * `cut_short`: the response's end is taken as one crawl-delay after now. The fixture saw the closed
   * connection of a 50 MB page it was still sending 7–65 ms after the release (3 ms short of the delay
   * once with the release one round trip later); a cut-short answer is rare, so twice the delay costs little.
   */
  #release(origin: string, holder: string, cut_short = false, end?: ResponseEnd): void {
    const record = this.#record(origin);
    const gate = cut_short
      ? releaseHost(record.gate, holder, this.#now() + this.#delayMs(record.robots))
      : releaseHost(record.gate, holder, this.#now(), end);
    this.#records.set(origin, { ...record, gate });
  }

  async #fetchRobots(origin: string): Promise<RobotsEntry> {
    let url = `${origin}/robots.txt`;
    let outcome: RobotsFetchOutcome = { kind: 'unreachable', detail: 'no answer' };
    // RFC 9309 §2.3.1.2: follow at least five redirects.
    for (let hop = 0; hop <= 5; hop++) {
      const r = await this.#fetcher.fetch({
        url,
        content_types: ROBOTS_TYPES,
        retries: 0,
        max_bytes: 512 * 1024,
      });
      if (r.kind === 'redirect') {
        url = r.location;
        continue;
      }
      if (r.kind === 'ok') outcome = { kind: 'answered', status: r.status, body: r.text };
      else if (r.kind === 'skipped' && r.status !== undefined)
        outcome = { kind: 'answered', status: r.status };
      else if (r.kind === 'skipped') outcome = { kind: 'unreachable', detail: r.detail };
      break;
    }
    const entry = robotsEntryFor(origin, outcome, this.#now(), this.#record(origin).robots);
    this.robotsFetches.push({ origin, state: entry.state, status: entry.status });
    return entry;
  }

  async robots(origin: string, holder: string): Promise<RobotsReady> {
    const known = this.#record(origin).robots;
    if (isFresh(known, this.#now())) return this.#ready(known);
    const pending = this.#pending.get(origin);
    if (pending) return { kind: 'wait', wait_ms: 50 };
    // Fetching robots.txt is a request to the host like any other: it takes the host's slot.
    const answer = this.#acquire(origin, `robots:${holder}`, undefined, false);
    if (!answer.granted) return { kind: 'wait', wait_ms: answer.wait_ms };
    const fetching = this.#fetchRobots(origin);
    this.#pending.set(origin, fetching);
    try {
      const entry = await fetching;
      this.#records.set(origin, { ...this.#record(origin), robots: entry });
      return this.#ready(entry);
    } finally {
      this.#pending.delete(origin);
      this.#release(origin, `robots:${holder}`);
    }
  }

  #ready(entry: RobotsEntry): RobotsReady {
    return {
      kind: 'ready',
      sitemaps: entry.robots?.sitemaps ?? [],
      delay_ms: this.#delayMs(entry),
      state: entry.state,
      rules: {
        origin: entry.origin,
        rules: entryRules(entry, this.#settings.user_agent),
        expires_at: entry.expires_at,
      },
    };
  }

  async permit(url: string, holder: string, jobGate?: JobGate): Promise<Permit> {
    const origin = new URL(url).origin;
    const allowed = await this.#allowed(origin, url, holder);
    if (allowed.kind !== 'ready') return allowed;
    const answer = this.#acquire(origin, holder, jobGate);
    return answer.granted
      ? { kind: 'go', delay_ms: allowed.delay_ms, start_in_ms: answer.start_in_ms }
      : { kind: 'wait', wait_ms: answer.wait_ms };
  }

  /**
   * `permit` with the job's QPS bucket in another object (the CrawlJob): the job's token is asked only
   * when the host would grant now, so an ask the host refuses (most asks of a busy host's second item)
   * is the asker's one round trip, not three (the job's token, the host's refusal, the token given back).
   * The host's gate is asked again after the token came (other asks ran meanwhile); if it refuses then,
   * the token goes back.
   */
  async permitWithJob(url: string, holder: string, job: RemoteJobGate): Promise<Permit> {
    const origin = new URL(url).origin;
    const allowed = await this.#allowed(origin, url, holder);
    if (allowed.kind !== 'ready') return allowed;
    const peek = this.#acquire(origin, holder, undefined, true, false);
    if (!peek.granted) {
      // Committed too: a host with a waiter queue keeps this asker's place, as `permit` does. Its gate never
      // grants, so the host stays as it was should the clock have reached a grant since the look.
      const answer = this.#acquire(origin, holder, () => peek.wait_ms);
      return { kind: 'wait', wait_ms: answer.granted ? peek.wait_ms : answer.wait_ms };
    }
    const wait = await job.take();
    if (wait > 0) return { kind: 'wait', wait_ms: wait };
    const answer = this.#acquire(origin, holder);
    if (answer.granted) return { kind: 'go', delay_ms: allowed.delay_ms, start_in_ms: answer.start_in_ms };
    await job.refund();
    return { kind: 'wait', wait_ms: answer.wait_ms };
  }

  /** The origin's robots.txt known and allowing `url`: the crawl-delay; else the wait or the refusal. */
  async #allowed(
    origin: string,
    url: string,
    holder: string,
  ): Promise<{ kind: 'ready'; delay_ms: number } | Exclude<Permit, { kind: 'go' }>> {
    const robots = await this.robots(origin, holder);
    if (robots.kind === 'wait') return robots;
    const entry = this.#record(origin).robots as RobotsEntry;
    const verdict = isAllowed(entryRules(entry, this.#settings.user_agent), url);
    if (!verdict.allowed) {
      const why = verdict.rule ? `disallow: ${verdict.rule.pattern}` : 'disallowed';
      return { kind: 'disallowed', detail: `robots.txt (${entry.state}) ${why}` };
    }
    return { kind: 'ready', delay_ms: robots.delay_ms };
  }

  async release(url: string, holder: string, cut_short = false, end?: ResponseEnd): Promise<void> {
    this.#release(new URL(url).origin, holder, cut_short, end);
  }

  readonly #lines = new Map<string, TurnLine>();

  /**
   * Robots, the host's slot and the request in one: the turn joins the origin's line here (in the
   * object that owns the gate), the head of the line sleeps until the slot is free and the delay since
   * the last response's end has run, takes the job's token, sends the request itself and releases the
   * slot the moment the response is read. So no round trip lies between the delay's end and the
   * request, nor between the response's end and the release (the worker's permit, sleep, re-ask and
   * release did: ~30–50 ms per request on a busy thread). A turn further off than `horizon_ms` is
   * told to wait (its item goes back to the queue). If the asker is gone, the request is still made
   * once and its answer dropped: the item is redone, as after a worker killed mid-fetch.
   */
  async requestInTurn(
    request: FetchRequest,
    holder: string,
    options: {
      job_gate?: RemoteJobGate | undefined;
      sleep: (ms: number) => Promise<void>;
      horizon_ms: number;
    },
  ): Promise<Turn> {
    const origin = new URL(request.url).origin;
    const robots = await this.robots(origin, holder);
    if (robots.kind === 'wait') return robots;
    const entry = this.#record(origin).robots as RobotsEntry;
    const verdict = isAllowed(entryRules(entry, this.#settings.user_agent), request.url);
    if (!verdict.allowed) {
      const why = verdict.rule ? `disallow: ${verdict.rule.pattern}` : 'disallowed';
      return { kind: 'disallowed', detail: `robots.txt (${entry.state}) ${why}` };
    }
    const line = this.#lines.get(origin) ?? { tail: Promise.resolve(), waiting: 0 };
    const gate = this.#record(origin).gate;
    const due = Math.max(0, this.nextStart(origin) - this.#now());
    const eta = due + line.waiting * (robots.delay_ms + (gate.last_duration ?? 0));
    if (eta > options.horizon_ms) return { kind: 'wait', wait_ms: Math.ceil(eta) };
    const ahead = line.tail;
    let leave = () => {};
    line.tail = new Promise<void>((r) => {
      leave = r;
    });
    line.waiting++;
    this.#lines.set(origin, line);
    try {
      await ahead;
      const wait = await this.#takeSlot(origin, holder, options);
      if (wait !== undefined) return { kind: 'wait', wait_ms: wait };
      let result: FetchResult | undefined;
      try {
        result = await this.#fetcher.fetch({ ...request, min_retry_gap_ms: robots.delay_ms });
        return { kind: 'fetched', delay_ms: robots.delay_ms, result };
      } finally {
        // A skipped answer's body was cancelled, not read to its end (see `release`).
        this.#release(origin, holder, result?.kind === 'skipped' || result === undefined);
      }
    } finally {
      line.waiting--;
      if (line.waiting === 0) this.#lines.delete(origin);
      leave();
    }
  }

  /**
   * Sleeps until the host's gate grants `holder` now and the job has a token for it, then holds the slot
   * (undefined). A wait past the horizon (a paused job's token, a slot leased to a worker) is answered
   * instead: the line is not held for it.
   */
  async #takeSlot(
    origin: string,
    holder: string,
    options: {
      job_gate?: RemoteJobGate | undefined;
      sleep: (ms: number) => Promise<void>;
      horizon_ms: number;
    },
  ): Promise<number | undefined> {
    for (;;) {
      const hostWait = this.#hostWait(origin, holder);
      if (hostWait > options.horizon_ms) return hostWait;
      // The job's token is asked for TOKEN_LEAD_MS before the slot, so its round trip is not paid after it.
      if (hostWait > TOKEN_LEAD_MS) {
        await options.sleep(hostWait - TOKEN_LEAD_MS);
        continue;
      }
      const jobWait = options.job_gate ? await options.job_gate.take() : 0;
      if (jobWait > options.horizon_ms) return jobWait;
      if (jobWait > 0) {
        await options.sleep(jobWait);
        continue;
      }
      for (let rest = this.#hostWait(origin, holder); rest > 0; rest = this.#hostWait(origin, holder)) {
        if (rest > options.horizon_ms) {
          await options.job_gate?.refund();
          return rest;
        }
        await options.sleep(rest);
      }
      const answer = this.#acquire(origin, holder, undefined, false);
      if (answer.granted) return undefined;
      // Another asker of this host (a robots.txt fetch) took the slot meanwhile.
      await options.job_gate?.refund();
    }
  }

  /**
   * How long until the gate would grant `holder` (0: now), looked at without taking the slot. To the
   * millisecond when only the delay is left (the gate's own answer rounds short waits up to 5 ms).
   */
  #hostWait(origin: string, holder: string): number {
    const peek = this.#acquire(origin, holder, undefined, false, false);
    if (peek.granted) return 0;
    const { gate } = this.#record(origin);
    const free =
      gate.in_flight === undefined || this.#now() - gate.in_flight_since >= this.#settings.lease_ms;
    const untilDelayEnds = Math.ceil(this.nextStart(origin) - this.#now());
    return free && untilDelayEnds > 0 ? Math.min(untilDelayEnds, peek.wait_ms) : peek.wait_ms;
  }
}

/** Host records in a Map (the local driver, tests). */
export class MemoryHostRecords implements HostRecords {
  readonly #map = new Map<string, HostRecord>();
  get(origin: string): HostRecord | undefined {
    return this.#map.get(origin);
  }
  set(origin: string, record: HostRecord): void {
    this.#map.set(origin, record);
  }
}
