/**
 * The ledger a crawl worker hands `crawlStep` on the platform: it admits every canonical URL
 * provisionally and records the request, and counts from zero. The job's Durable Object replays the
 * requests through the real ledger (dedupe, budgets, traps) when the item is reported finished, so
 * the decision is made once, in one place, however many workers ran the step.
 */
import type { CrawlJobConfig, FrontierItem } from '@promethean/shared/web/crawl-config';
import {
  type Admission,
  COUNTERS,
  type Counter,
  CrawlLedger,
  type JobState,
} from '@promethean/shared/web/crawl-ledger';
import type { AdmitRequest, StepReport } from '@promethean/shared/web/crawl-port';
import { canonicalizeUrl } from '@promethean/shared/web/url-canonicalizer';

export class RecordingLedger extends CrawlLedger {
  readonly requests: AdmitRequest[] = [];

  constructor(config: CrawlJobConfig, state: JobState) {
    const counters = Object.fromEntries(COUNTERS.map((c) => [c, 0])) as Record<Counter, number>;
    // Lazy: admissions are recorded here and decided by the job's ledger, so this one compiles no patterns.
    super(config, { state, seen: [], templates: {}, queries: {}, counters, origins: [] }, { lazy: true });
  }

  override admit(raw: string, base: string | undefined, item: Omit<FrontierItem, 'url'>): Admission {
    const c = canonicalizeUrl(raw, base);
    if (!c.ok) return { admitted: false, reason: 'refused' };
    this.requests.push({ raw, base, item });
    return { admitted: true, item: { ...item, url: c.url } };
  }

  /** Robots items for new origins are the job's to add, on replay. */
  override firstVisit(_origin: string): boolean {
    return false;
  }

  report(): StepReport {
    const counters: Partial<Record<Counter, number>> = {};
    for (const c of COUNTERS) if (this.counters[c] > 0) counters[c] = this.counters[c];
    return { requests: this.requests, counters };
  }
}
