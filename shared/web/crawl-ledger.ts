/**
 * A crawl job's ledger: which canonical URLs were admitted (each at most once), the page budget, the
 * trap budgets, the job's state and its counters. Plain data in and out (`snapshot`/`restore`), so
 * the job's Durable Object or a local driver can checkpoint it and resume after a crash.
 */
import type { CrawlJobConfig, FrontierItem } from './crawl-config.ts';
import { canonicalizeUrl } from './url-canonicalizer.ts';

export type JobState = 'running' | 'paused' | 'cancelled' | 'done';

export const COUNTERS = [
  'admitted',
  'fetched',
  'pages',
  'not_modified',
  'fresh',
  'redirects',
  'duplicates',
  'noindex',
  'robots_blocked',
  'refused',
  'skipped_content_type',
  'skipped_binary',
  'skipped_too_large',
  'skipped_status',
  'unavailable',
  'session_token',
  'trap_calendar',
  'trap_query',
  'trap_redirect',
  'trap_depth',
  'outside_domains',
  'denied',
  'over_budget',
  'bytes',
  'edges',
  'summaries',
  'tagged',
  'vectors',
  'sitemaps',
] as const;
export type Counter = (typeof COUNTERS)[number];

export interface LedgerSnapshot {
  state: JobState;
  seen: string[];
  templates: Record<string, number>;
  queries: Record<string, number>;
  counters: Record<Counter, number>;
  origins: string[];
}

export type Admission =
  | { admitted: true; item: FrontierItem }
  | { admitted: false; reason: Counter | 'seen' };

/** `/calendar/2026/01` → `/calendar/{y}/{n}`: date-shaped templates are where calendars live. */
export function dateTemplate(path: string): string | undefined {
  const segments = path.split('/');
  const hasYear = segments.some((s) => /^(19|20)\d\d$/.test(s));
  if (!hasYear && !/\d{4}-\d{2}(-\d{2})?/.test(path)) return undefined;
  return segments
    .map((s) =>
      /^(19|20)\d\d$/.test(s)
        ? '{y}'
        : /^\d+$/.test(s)
          ? '{n}'
          : s.replace(/\d{4}-\d{2}(-\d{2})?/g, '{date}'),
    )
    .join('/');
}

function hostMatches(host: string, domains: readonly string[]): boolean {
  const bare = host.replace(/:\d+$/, '');
  return domains.some((d) => {
    const dd = d.toLowerCase();
    return host === dd || bare === dd || bare.endsWith(`.${dd}`);
  });
}

export class CrawlLedger {
  readonly #config: CrawlJobConfig;
  #deny: RegExp[] | undefined;
  #domains: string[] | undefined;
  #state: JobState = 'running';
  readonly #seen = new Set<string>();
  readonly #templates = new Map<string, number>();
  readonly #queries = new Map<string, number>();
  readonly #origins = new Set<string>();
  readonly counters = Object.fromEntries(COUNTERS.map((c) => [c, 0])) as Record<Counter, number>;

  /**
   * `lazy`: the deny patterns and allowed domains are built on the first admission, not here (a
   * ledger that never admits itself, like a worker's recording ledger, never pays for them). Otherwise
   * a bad deny pattern throws here, before anything is stored.
   */
  constructor(config: CrawlJobConfig, snapshot?: LedgerSnapshot, o: { lazy?: boolean } = {}) {
    this.#config = config;
    if (!o.lazy) {
      this.#denyPatterns();
      this.#allowedDomains();
    }
    if (snapshot) this.#restore(snapshot);
  }

  #denyPatterns(): RegExp[] {
    this.#deny ??= this.#config.deny.map((d) => new RegExp(d));
    return this.#deny;
  }

  #allowedDomains(): string[] {
    this.#domains ??=
      this.#config.allow_domains.length > 0
        ? this.#config.allow_domains
        : this.#config.seeds.flatMap((s) => {
            const c = canonicalizeUrl(s);
            return c.ok ? [c.host] : [];
          });
    return this.#domains;
  }

  get state(): JobState {
    return this.#state;
  }

  setState(state: JobState): void {
    // A cancelled or finished job stays so: a late pause or resume must not revive it.
    if (this.#state === 'cancelled' || this.#state === 'done') return;
    this.#state = state;
  }

  /** Origins the job has entered, in the order it first reached them. */
  get origins(): readonly string[] {
    return [...this.#origins];
  }

  count(counter: Counter, by = 1): void {
    this.counters[counter] += by;
  }

  /** Whether an origin is new to the job (its robots.txt and sitemaps are then read once). */
  firstVisit(origin: string): boolean {
    if (this.#origins.has(origin)) return false;
    this.#origins.add(origin);
    return true;
  }

  /**
   * Admits a URL into the frontier once: canonical, inside the allowed domains, not denied, within
   * depth, page and trap budgets. Sitemap and robots items are admitted by their own URL too.
   */
  admit(raw: string, base: string | undefined, item: Omit<FrontierItem, 'url'>): Admission {
    const c = canonicalizeUrl(raw, base, { deny: this.#denyPatterns() });
    if (!c.ok) {
      if (c.reason === 'denied') this.count('denied');
      return { admitted: false, reason: c.reason === 'denied' ? 'denied' : 'refused' };
    }
    const key = `${item.kind}:${c.url}`;
    if (this.#seen.has(key)) return { admitted: false, reason: 'seen' };
    if (!hostMatches(c.host, this.#allowedDomains())) return this.#reject('outside_domains');
    if (item.kind === 'page') {
      if (item.depth > this.#config.max_depth) return this.#reject('trap_depth');
      if (item.hops > this.#config.traps.redirect_chain) return this.#reject('trap_redirect');
      const url = new URL(c.url);
      if (url.pathname.split('/').length - 1 > this.#config.traps.path_segments)
        return this.#reject('trap_depth');
      const template = dateTemplate(url.pathname);
      if (template !== undefined) {
        const key = `${c.host}${template}`;
        const n = this.#templates.get(key) ?? 0;
        if (n >= this.#config.traps.date_template_pages) return this.#reject('trap_calendar');
        this.#templates.set(key, n + 1);
      }
      if (url.search !== '') {
        const key = `${c.host}${url.pathname}`;
        const n = this.#queries.get(key) ?? 0;
        if (n >= this.#config.traps.query_variants_per_path) return this.#reject('trap_query');
        this.#queries.set(key, n + 1);
      }
      if (this.counters.admitted >= this.#config.max_pages) return this.#reject('over_budget');
      this.count('admitted');
    }
    this.#seen.add(key);
    return { admitted: true, item: { ...item, url: c.url } };
  }

  #reject(reason: Counter): Admission {
    this.count(reason);
    return { admitted: false, reason };
  }

  snapshot(): LedgerSnapshot {
    return { ...this.progress(), seen: [...this.#seen] };
  }

  /** The snapshot without `seen` (for a store whose own rows record the URLs seen). */
  progress(): Omit<LedgerSnapshot, 'seen'> {
    return {
      state: this.#state,
      templates: Object.fromEntries(this.#templates),
      queries: Object.fromEntries(this.#queries),
      counters: { ...this.counters },
      origins: [...this.#origins],
    };
  }

  #restore(s: LedgerSnapshot): void {
    this.#state = s.state;
    for (const k of s.seen) this.#seen.add(k);
    for (const [k, v] of Object.entries(s.templates)) this.#templates.set(k, v);
    for (const [k, v] of Object.entries(s.queries)) this.#queries.set(k, v);
    for (const o of s.origins) this.#origins.add(o);
    Object.assign(this.counters, s.counters);
  }
}
