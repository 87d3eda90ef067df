import { describe, expect, it } from 'vitest';
import { CrawlJobConfig } from './crawl-config.ts';
import { CrawlLedger, dateTemplate } from './crawl-ledger.ts';

const config = (o: Partial<CrawlJobConfig> = {}) =>
  CrawlJobConfig.parse({ job_id: 'j', provider: 'web', tenant: 't', seeds: ['https://a.test/'], ...o });
const page = { kind: 'page' as const, depth: 1, via: 'link' as const, hops: 0 };

describe('CrawlLedger', () => {
  it('admits each canonical URL once', () => {
    const l = new CrawlLedger(config());
    expect(l.admit('https://A.test/x?utm_source=1#f', undefined, page).admitted).toBe(true);
    expect(l.admit('https://a.test/x', undefined, page)).toEqual({ admitted: false, reason: 'seen' });
    expect(l.counters.admitted).toBe(1);
  });
  it('keeps to the allowed domains (subdomains included) and the deny list', () => {
    const l = new CrawlLedger(config({ allow_domains: ['a.test'], deny: ['/private/'] }));
    expect(l.admit('https://www.a.test/', undefined, page).admitted).toBe(true);
    expect(l.admit('https://b.test/', undefined, page)).toEqual({
      admitted: false,
      reason: 'outside_domains',
    });
    expect(l.admit('https://a.test/private/x', undefined, page)).toEqual({
      admitted: false,
      reason: 'denied',
    });
  });
  it('throws on a bad deny pattern when built, unless lazy (then on its first admission)', () => {
    expect(() => new CrawlLedger(config({ deny: ['('] }))).toThrow(SyntaxError);
    const lazy = new CrawlLedger(config({ deny: ['('] }), undefined, { lazy: true });
    expect(lazy.state).toBe('running');
    expect(() => lazy.admit('https://a.test/x', undefined, page)).toThrow(SyntaxError);
  });
  it("a lazy ledger keeps to the deny list and the seeds' domains as an eager one does", () => {
    const l = new CrawlLedger(config({ deny: ['/private/'] }), undefined, { lazy: true });
    expect(l.admit('https://a.test/private/x', undefined, page)).toEqual({
      admitted: false,
      reason: 'denied',
    });
    expect(l.admit('https://b.test/', undefined, page)).toEqual({
      admitted: false,
      reason: 'outside_domains',
    });
    expect(l.admit('https://a.test/ok', undefined, page).admitted).toBe(true);
  });
  it('enforces depth, redirect hops, page budget and trap budgets', () => {
    const l = new CrawlLedger(config({ max_depth: 2, max_pages: 30 }));
    expect(l.admit('https://a.test/deep', undefined, { ...page, depth: 3 })).toMatchObject({
      reason: 'trap_depth',
    });
    expect(l.admit('https://a.test/r', undefined, { ...page, hops: 6 })).toMatchObject({
      reason: 'trap_redirect',
    });
    const months = Array.from(
      { length: 20 },
      (_, i) => l.admit(`https://a.test/cal/2026/${i + 1}`, undefined, page).admitted,
    );
    expect(months.filter(Boolean)).toHaveLength(12);
    const queries = Array.from(
      { length: 15 },
      (_, i) => l.admit(`https://a.test/list?page=${i}`, undefined, page).admitted,
    );
    expect(queries.filter(Boolean)).toHaveLength(10);
    for (let i = 0; i < 20; i++) l.admit(`https://a.test/p${i}`, undefined, page);
    expect(l.counters.admitted).toBe(30);
    expect(l.admit('https://a.test/one-more', undefined, page)).toMatchObject({ reason: 'over_budget' });
  });
  it('recognizes date-shaped paths', () => {
    expect(dateTemplate('/calendar/2026/01')).toBe('/calendar/{y}/{n}');
    expect(dateTemplate('/events/2026-01-31/x')).toBe('/events/{date}/x');
    expect(dateTemplate('/article/12')).toBeUndefined();
  });
  it('restores from a snapshot, and a cancelled job stays cancelled', () => {
    const l = new CrawlLedger(config());
    l.admit('https://a.test/x', undefined, page);
    l.setState('cancelled');
    l.setState('running');
    const copy = new CrawlLedger(config(), l.snapshot());
    expect(copy.state).toBe('cancelled');
    expect(copy.admit('https://a.test/x', undefined, page)).toEqual({ admitted: false, reason: 'seen' });
    expect(copy.counters.admitted).toBe(1);
  });
});
