/**
 * A crawl job's state on the platform: its config, its ledger (dedupe by canonical URL, budgets, trap
 * budgets, counters), its frontier rows and its job-wide QPS bucket. Every frontier item is a row
 * written before its queue message is sent (an outbox): a message lost to a crash is found by the
 * sweep and sent again, and a repeated report of a finished item changes nothing, so the queue may
 * deliver at least once and no page is lost or counted twice. The CrawlJob Durable Object persists
 * this through its storage; tests keep it in a Map.
 *
 * Host lanes: at most `HOST_LANE_WIDTH` items of one origin are on the queue at once (sent, not done); the
 * rest wait in the job, in admission order, and the next is sent when one of its origin finishes. The
 * host takes one request at a time anyway, so more of its items on the queue only wait there: inside a
 * batch (whose other items, and the next batch, wait for them) or deferred by a second when their inline
 * waits run out. With lanes each batch holds a few items of every host that has work, so no host idles
 * behind another host's backlog.
 *
 * Robots in the job: a robots item reports its origin's rules (as the host's CrawlHost caches them, until
 * that cache entry expires). A held item those rules disallow is finished by the job itself, counted
 * `robots_blocked` as a worker would count it, and never sent: it would make no request, only hold a
 * place in its host's lane (and a queue round trip) ahead of items that do.
 */
import { CrawlJobConfig, FrontierItem } from '@promethean/shared/web/crawl-config';
import {
  COUNTERS,
  type Counter,
  CrawlLedger,
  type JobState,
  type LedgerSnapshot,
} from '@promethean/shared/web/crawl-ledger';
import type {
  CompleteAnswer,
  FrontierClaim,
  HostRobotsRules,
  PassCounter,
  StepReport,
} from '@promethean/shared/web/crawl-port';
import { frontierKey } from '@promethean/shared/web/crawl-port';
import { TokenBucket } from '@promethean/shared/web/host-politeness';
import { isAllowed } from '@promethean/shared/web/robots-txt';
import { carriesSessionToken } from '@promethean/shared/web/url-canonicalizer';
import { admitUrl } from './crawl-step.ts';

/** A synchronous key-value store (a SQLite-backed Durable Object's `storage.kv`, or a Map). */
export interface JobStore {
  get(key: string): unknown;
  put(key: string, value: unknown): void;
  list(prefix: string): Iterable<[string, unknown]>;
}

export interface FrontierRow {
  item: FrontierItem;
  status: 'open' | 'done';
  /** Last time the item was sent, claimed or deferred: the sweep resends only rows quiet for longer. */
  touched_at: number;
  /**
   * How many times a message for it was sent (part of the message id, so a resend is a new message). 0: held
   * in the job until its origin's lane has room (never swept: nothing was sent that could be lost).
   */
  sends: number;
}

/** An item to put on the queue. */
export interface Outgoing {
  key: string;
  item: FrontierItem;
  sends: number;
}

export interface JobStatus {
  job_id: string;
  provider: string;
  tenant: string;
  state: JobState;
  open: number;
  done: number;
  counters: Record<Counter, number>;
  /** Origins the job has entered (the status page asks their CrawlHost objects for their state). */
  origins: string[];
  started_at: number;
  updated_at: number;
  config: CrawlJobConfig;
}

type StoredLedger = Omit<LedgerSnapshot, 'seen'>;

const ROW = 'i:';
/**
 * Items of one origin on the queue at once. Two: while one holds the host, the next is delivered and waits
 * (about one crawl-delay, inline) to go straight after it; the one after is sent when either finishes.
 */
export const HOST_LANE_WIDTH = 2;
/** `take`'s answer while the job is not running: longer than any inline wait. */
export const NOT_RUNNING_WAIT_MS = 60_000;
/** `s:<counter>:<page id>`: a pass already counted for a page. */
const PASS = 's:';
/** `r:<origin>`: the origin's robots rules, as its robots item reported them. */
const RULES = 'r:';

export class CrawlJobCore {
  readonly #store: JobStore;
  readonly #now: () => number;
  #config: CrawlJobConfig | undefined;
  #ledger: CrawlLedger | undefined;
  readonly #rows = new Map<string, FrontierRow>();
  #bucket: TokenBucket | undefined;
  #startedAt = 0;
  #updatedAt = 0;
  readonly #laneWidth: number;
  /** Per origin: open items sent and not done. */
  readonly #inFlight = new Map<string, number>();
  /** Per origin: held items (keys), in admission order. */
  readonly #held = new Map<string, string[]>();
  /** Per origin: its robots rules, from its robots item's report. */
  readonly #rules = new Map<string, HostRobotsRules>();
  /** Items finished by the job since the ledger was last stored. */
  #blocked = 0;

  /** `lane_width`: items of one origin on the queue at once; `null`: no lanes (every item sent at once). */
  constructor(store: JobStore, now: () => number, o: { lane_width?: number | null } = {}) {
    this.#store = store;
    this.#now = now;
    this.#laneWidth =
      o.lane_width === null ? Number.POSITIVE_INFINITY : Math.max(1, o.lane_width ?? HOST_LANE_WIDTH);
    const config = store.get('config');
    if (config === undefined) return;
    this.#config = CrawlJobConfig.parse(config);
    for (const [k, v] of store.list(ROW)) {
      const row = v as FrontierRow;
      this.#rows.set(k.slice(ROW.length), { ...row, item: FrontierItem.parse(row.item) });
    }
    const held: Array<[string, FrontierRow]> = [];
    for (const [key, row] of this.#rows) {
      if (row.status !== 'open') continue;
      if (row.sends > 0) this.#bump(originOf(row.item), 1);
      else held.push([key, row]);
    }
    held.sort((a, b) => a[1].touched_at - b[1].touched_at);
    for (const [key, row] of held) this.#heldOf(originOf(row.item)).push(key);
    for (const [k, v] of store.list(RULES)) this.#rules.set(k.slice(RULES.length), v as HostRobotsRules);
    const stored = store.get('ledger') as StoredLedger;
    this.#ledger = new CrawlLedger(this.#config, { ...stored, seen: [...this.#rows.keys()] });
    this.#startedAt = Number(store.get('started_at') ?? 0);
    this.#updatedAt = Number(store.get('updated_at') ?? 0);
  }

  get started(): boolean {
    return this.#config !== undefined;
  }

  get state(): JobState | undefined {
    return this.#ledger?.state;
  }

  /** Starts the job with its seeds (and their origins' robots items); a second start changes nothing. */
  start(input: unknown): Outgoing[] {
    if (this.#config) return [];
    const config = CrawlJobConfig.parse(input);
    const ledger = new CrawlLedger(config);
    this.#config = config;
    this.#ledger = ledger;
    this.#startedAt = this.#now();
    this.#store.put('config', config);
    this.#store.put('started_at', this.#startedAt);
    const items = config.seeds.flatMap((s) =>
      admitUrl({ ledger }, s, undefined, { kind: 'page', depth: 0, via: 'seed', hops: 0 }),
    );
    return this.#admitted(items);
  }

  #admitted(items: FrontierItem[]): Outgoing[] {
    const now = this.#now();
    const origins = new Set<string>();
    for (const item of items) {
      const key = frontierKey(item);
      const row: FrontierRow = { item, status: 'open', touched_at: now, sends: 0 };
      // Its row is written either way: the row is what dedupes the URL after a reload.
      if (this.#disallowed(item, now)) {
        this.#finishBlocked(key, row, now);
        continue;
      }
      this.#rows.set(key, row);
      this.#store.put(ROW + key, row);
      const origin = originOf(item);
      this.#heldOf(origin).push(key);
      origins.add(origin);
    }
    const out = this.#fill(origins);
    this.#persistLedger();
    return out;
  }

  #heldOf(origin: string): string[] {
    let list = this.#held.get(origin);
    if (!list) {
      list = [];
      this.#held.set(origin, list);
    }
    return list;
  }

  #bump(origin: string, by: number): void {
    const n = Math.max(0, (this.#inFlight.get(origin) ?? 0) + by);
    if (n === 0) this.#inFlight.delete(origin);
    else this.#inFlight.set(origin, n);
  }

  /** Sends held items of `origins` while their lanes have room, oldest first. */
  #fill(origins: Iterable<string>): Outgoing[] {
    const out: Outgoing[] = [];
    const now = this.#now();
    for (const origin of origins) {
      const held = this.#held.get(origin);
      while (held && held.length > 0 && (this.#inFlight.get(origin) ?? 0) < this.#laneWidth) {
        const key = held.shift() as string;
        const row = this.#rows.get(key);
        if (row?.status !== 'open' || row.sends > 0) continue;
        if (this.#disallowed(row.item, now)) {
          this.#finishBlocked(key, row, now);
          continue;
        }
        const sent: FrontierRow = { ...row, touched_at: now, sends: 1 };
        this.#rows.set(key, sent);
        this.#store.put(ROW + key, sent);
        this.#bump(origin, 1);
        out.push({ key, item: row.item, sends: 1 });
      }
      if (held && held.length === 0) this.#held.delete(origin);
    }
    return out;
  }

  /**
   * The origin's reported rules, while fresh, disallow the item. Robots items are never checked, and a URL
   * with a session token is left to the worker, which refuses it before it asks robots (its own counter).
   */
  #disallowed(item: FrontierItem, now: number): boolean {
    if (item.kind === 'robots' || carriesSessionToken(item.url)) return false;
    const rules = this.#rules.get(originOf(item));
    if (!rules || now >= rules.expires_at) return false;
    return !isAllowed(rules.rules, item.url).allowed;
  }

  /** Finishes the origin's held items its rules disallow, wherever they stand in the lane's order. */
  #dropBlocked(origin: string): void {
    const held = this.#held.get(origin);
    if (!held) return;
    const now = this.#now();
    const keep = held.filter((key) => {
      const row = this.#rows.get(key);
      if (row?.status !== 'open' || row.sends > 0 || !this.#disallowed(row.item, now)) return true;
      this.#finishBlocked(key, row, now);
      return false;
    });
    if (keep.length > 0) this.#held.set(origin, keep);
    else this.#held.delete(origin);
  }

  /** An item robots disallows: done, counted as the worker's step counts it, never sent. */
  #finishBlocked(key: string, row: FrontierRow, now: number): void {
    const done: FrontierRow = { ...row, status: 'done', touched_at: now };
    this.#rows.set(key, done);
    this.#store.put(ROW + key, done);
    this.#ledger?.count('robots_blocked');
    this.#blocked++;
  }

  /** The last open item finished in the job (a blocked one): a running job is done. */
  #settle(): void {
    const ledger = this.#ledger;
    if (!ledger) return;
    let changed = this.#blocked > 0;
    if (this.openCount() === 0 && ledger.state === 'running') {
      ledger.setState('done');
      changed = true;
    }
    if (changed) this.#persistLedger();
  }

  #persistLedger(): void {
    if (!this.#ledger) return;
    this.#blocked = 0;
    // Without `seen`: the rows are the seen set after a reload, and copying it here made every report
    // and pass O(URLs the job has seen).
    this.#updatedAt = this.#now();
    this.#store.put('ledger', this.#ledger.progress());
    this.#store.put('updated_at', this.#updatedAt);
  }

  claim(key: string): FrontierClaim {
    const config = this.#config;
    const ledger = this.#ledger;
    if (!config || !ledger) return { kind: 'skip', reason: 'unknown_job' };
    if (ledger.state === 'cancelled') return { kind: 'skip', reason: 'cancelled' };
    const row = this.#rows.get(key);
    if (!row) return { kind: 'skip', reason: 'unknown_item' };
    if (row.status === 'done') return { kind: 'skip', reason: 'done' };
    if (ledger.state === 'done') return { kind: 'skip', reason: 'finished' };
    // A paused job's messages are dropped; its open rows are sent again on resume.
    if (ledger.state === 'paused') return { kind: 'parked' };
    this.#touch(key, row);
    return { kind: 'go', config, state: ledger.state };
  }

  #touch(key: string, row: FrontierRow): void {
    const touched = { ...row, touched_at: this.#now() };
    this.#rows.set(key, touched);
    this.#store.put(ROW + key, touched);
  }

  touch(key: string): void {
    const row = this.#rows.get(key);
    if (row?.status === 'open') this.#touch(key, row);
  }

  /** Finishes an item: its counters, then its links admitted once each; the job ends with its last open item. */
  complete(key: string, report: StepReport): { answer: CompleteAnswer; send: Outgoing[] } {
    const ledger = this.#ledger;
    const row = this.#rows.get(key);
    if (!ledger || !row || row.status === 'done') {
      return {
        answer: { admitted: 0, state: ledger?.state ?? 'cancelled', open: this.openCount() },
        send: [],
      };
    }
    for (const c of COUNTERS) {
      const by = report.counters[c];
      // `admitted` is the job's own count (made below); a worker's provisional count is ignored.
      if (c !== 'admitted' && by !== undefined && by > 0) ledger.count(c, by);
    }
    const items =
      ledger.state === 'cancelled'
        ? []
        : report.requests.flatMap((r) => admitUrl({ ledger }, r.raw, r.base, r.item));
    const done: FrontierRow = { ...row, status: 'done', touched_at: this.#now() };
    this.#rows.set(key, done);
    this.#store.put(ROW + key, done);
    const origin = originOf(row.item);
    if (report.robots && report.robots.origin === origin) {
      this.#rules.set(origin, report.robots);
      this.#store.put(RULES + origin, report.robots);
      this.#dropBlocked(origin);
    }
    if (row.sends > 0) this.#bump(origin, -1);
    else {
      // Reported before it was sent (a stale message of an older job state): out of the held list too.
      const held = this.#held.get(origin);
      const at = held?.indexOf(key) ?? -1;
      if (held && at >= 0) held.splice(at, 1);
    }
    // The finished item's lane first: its next item is the one that has waited longest.
    const send = [...(ledger.state === 'cancelled' ? [] : this.#fill([origin])), ...this.#admitted(items)];
    this.#settle();
    return { answer: { admitted: items.length, state: ledger.state, open: this.openCount() }, send };
  }

  /** Passes for a page, each counted once per page however often it is reported; the ledger stored once. */
  passed(counters: readonly PassCounter[], page_id: string): void {
    const ledger = this.#ledger;
    if (!ledger) return;
    let counted = false;
    for (const counter of new Set(counters)) {
      const key = `${PASS}${counter}:${page_id}`;
      if (this.#store.get(key) !== undefined) continue;
      this.#store.put(key, 1);
      ledger.count(counter);
      counted = true;
    }
    if (counted) this.#persistLedger();
  }

  openCount(): number {
    let n = 0;
    for (const r of this.#rows.values()) if (r.status === 'open') n++;
    return n;
  }

  /** The job-wide QPS bucket: 0 (a token taken) or the wait in ms. */
  take(): number {
    if (!this.#config) return 1000;
    // A paused or cancelled job grants nothing: a worker waiting inline for a token gives its item back
    // to the queue, whose next claim parks or drops it.
    if (this.#ledger?.state !== 'running') return NOT_RUNNING_WAIT_MS;
    this.#bucket ??= new TokenBucket(this.#config.qps, 1, { tokens: 1, updated_at: this.#now() });
    return this.#bucket.take(this.#now());
  }

  /** Gives back a token taken for a request its host then refused. */
  refund(): void {
    this.#bucket?.refund();
  }

  pause(): void {
    this.#ledger?.setState('paused');
    this.#persistLedger();
  }

  cancel(): void {
    this.#ledger?.setState('cancelled');
    this.#persistLedger();
  }

  /** Resumes a paused job: every open row is sent again (the paused messages were dropped). */
  resume(): Outgoing[] {
    if (this.#ledger?.state !== 'paused') return [];
    this.#ledger.setState('running');
    this.#persistLedger();
    // The paused messages were dropped: the items that were on the queue go again, then the lanes fill.
    const out = [...this.#resend((r) => r.sends > 0), ...this.#fill([...this.#held.keys()])];
    this.#settle();
    return out;
  }

  /** Open rows quiet for `stale_ms` (a message lost to a crash, or a worker that died): sent again. */
  sweep(stale_ms: number): Outgoing[] {
    if (this.#ledger?.state !== 'running') return [];
    const before = this.#now() - stale_ms;
    // Held rows were never sent, so no message of theirs can be lost; lanes with room are filled too.
    const out = [
      ...this.#resend((r) => r.sends > 0 && r.touched_at <= before),
      ...this.#fill([...this.#held.keys()]),
    ];
    this.#settle();
    return out;
  }

  #resend(pick: (r: FrontierRow) => boolean): Outgoing[] {
    const now = this.#now();
    const out: Outgoing[] = [];
    for (const [key, row] of this.#rows) {
      if (row.status !== 'open' || !pick(row)) continue;
      const next: FrontierRow = { ...row, touched_at: now, sends: row.sends + 1 };
      this.#rows.set(key, next);
      this.#store.put(ROW + key, next);
      out.push({ key, item: row.item, sends: next.sends });
    }
    return out;
  }

  status(): JobStatus | undefined {
    const config = this.#config;
    const ledger = this.#ledger;
    if (!config || !ledger) return undefined;
    const open = this.openCount();
    return {
      job_id: config.job_id,
      provider: config.provider,
      tenant: config.tenant,
      state: ledger.state,
      open,
      done: this.#rows.size - open,
      counters: { ...ledger.counters },
      origins: [...ledger.origins],
      started_at: this.#startedAt,
      updated_at: this.#updatedAt,
      config,
    };
  }
}

function originOf(item: FrontierItem): string {
  try {
    return new URL(item.url).origin;
  } catch {
    return item.url;
  }
}

/** A JobStore over a Map (tests, the in-memory platform). */
export class MemoryJobStore implements JobStore {
  readonly map = new Map<string, unknown>();
  get(key: string): unknown {
    const v = this.map.get(key);
    return v === undefined ? undefined : structuredClone(v);
  }
  put(key: string, value: unknown): void {
    this.map.set(key, structuredClone(value));
  }
  *list(prefix: string): Iterable<[string, unknown]> {
    for (const [k, v] of this.map) if (k.startsWith(prefix)) yield [k, structuredClone(v)];
  }
}
