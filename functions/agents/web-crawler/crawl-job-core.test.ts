import { parseRobotsTxt, rulesFor } from '@promethean/shared/web/robots-txt';
import { describe, expect, it } from 'vitest';
import { CrawlJobCore, HOST_LANE_WIDTH, MemoryJobStore, type Outgoing } from './crawl-job-core.ts';

const config = {
  provider: 'echo',
  tenant: 'demo',
  job_id: 'passes',
  seeds: ['https://example.com/'],
};

describe('CrawlJobCore pass counters', () => {
  it('counts a pass once per page, across repeats and a reload of the job', () => {
    const store = new MemoryJobStore();
    const core = new CrawlJobCore(store, () => 1_000);
    core.start(config);
    core.passed(['summaries'], 'p1');
    core.passed(['summaries'], 'p1');
    core.passed(['summaries'], 'p2');
    core.passed(['tagged'], 'p1');
    const reloaded = new CrawlJobCore(store, () => 2_000);
    reloaded.passed(['summaries'], 'p2');
    reloaded.passed(['vectors'], 'p1');
    const counters = reloaded.status()?.counters;
    expect(counters?.summaries).toBe(2);
    expect(counters?.tagged).toBe(1);
    expect(counters?.vectors).toBe(1);
  });

  it('counts several passes in one report, each once per page', () => {
    const store = new MemoryJobStore();
    const core = new CrawlJobCore(store, () => 1_000);
    core.start(config);
    core.passed(['tagged', 'vectors'], 'p1');
    core.passed(['tagged', 'vectors', 'vectors'], 'p1');
    core.passed(['tagged', 'vectors'], 'p2');
    const counters = new CrawlJobCore(store, () => 2_000).status()?.counters;
    expect(counters?.tagged).toBe(2);
    expect(counters?.vectors).toBe(2);
    expect(counters?.summaries).toBe(0);
  });

  it('ignores passes for a job that never started', () => {
    const core = new CrawlJobCore(new MemoryJobStore(), () => 1_000);
    core.passed(['summaries'], 'p1');
    expect(core.status()).toBeUndefined();
  });
});

describe('CrawlJobCore host lanes', () => {
  const hosts = ['https://a.test', 'https://b.test'];
  const laneConfig = {
    provider: 'echo',
    tenant: 'demo',
    job_id: 'lanes',
    seeds: hosts.map((h) => `${h}/`),
    max_pages: 100,
    max_depth: 5,
  };
  /** Page `/n` of a host links to `/2n` and `/2n+1` on its own host (up to 20) and `/n` on the other host. */
  const linksOf = (url: string) => {
    const u = new URL(url);
    const n = Number(u.pathname.slice(1) || '1');
    const other = hosts.find((h) => h !== u.origin) as string;
    return [`${u.origin}/${2 * n}`, `${u.origin}/${2 * n + 1}`, `${other}/${n}`]
      .filter((l) => Number(new URL(l).pathname.slice(1)) <= 20)
      .map((raw) => ({
        raw,
        base: url,
        item: { kind: 'page' as const, depth: 1, via: 'link' as const, hops: 0 },
      }));
  };
  const origin = (o: Outgoing) => new URL(o.item.url).origin;

  it('keeps at most two items per origin on the queue, sends each once, robots.txt first, and finishes', () => {
    let now = 1_000;
    const store = new MemoryJobStore();
    let core = new CrawlJobCore(store, () => now);
    const queue: Outgoing[] = [...core.start(laneConfig)];
    const onQueue = new Map<string, number>();
    const sentOrder = new Map<string, string[]>();
    const track = (out: Outgoing[]) => {
      for (const o of out) {
        onQueue.set(origin(o), (onQueue.get(origin(o)) ?? 0) + 1);
        sentOrder.set(origin(o), [...(sentOrder.get(origin(o)) ?? []), o.key]);
        expect(o.sends).toBe(1);
      }
      for (const n of onQueue.values()) expect(n).toBeLessThanOrEqual(HOST_LANE_WIDTH);
    };
    track(queue);
    expect(queue.map((o) => o.item.kind)).toEqual(['robots', 'page', 'robots', 'page']);
    let step = 0;
    let maxHeld = 0;
    while (queue.length > 0) {
      // The later item first every other step: completion order is not send order.
      const o = queue.splice(step % 2 === 0 ? 0 : queue.length - 1, 1)[0] as Outgoing;
      step++;
      now += 10;
      onQueue.set(origin(o), (onQueue.get(origin(o)) ?? 0) - 1);
      expect(core.claim(o.key).kind).toBe('go');
      const requests = o.item.kind === 'page' ? linksOf(o.item.url) : [];
      const { answer, send } = core.complete(o.key, { requests, counters: {} });
      track(send);
      queue.push(...send);
      maxHeld = Math.max(maxHeld, answer.open - queue.length);
      // A reload of the object (a restart) keeps the lanes: held rows stay held, sent ones count.
      if (step === 7) {
        core = new CrawlJobCore(store, () => now);
        // Nothing is quiet long enough to resend, and held rows are never swept.
        expect(core.sweep(60_000)).toEqual([]);
      }
    }
    expect(maxHeld).toBeGreaterThan(0);
    expect(core.status()).toMatchObject({ state: 'done', open: 0 });
    // Every page on both hosts, each sent once, robots.txt first.
    for (const h of hosts) {
      const keys = sentOrder.get(h) ?? [];
      expect(new Set(keys).size).toBe(keys.length);
      // robots.txt, the seed `/`, and `/1`…`/20`.
      expect(keys.length).toBe(22);
      expect(keys[0]).toBe(`robots:${h}/robots.txt`);
    }
  });

  it('a lost message is swept and resent; held rows go only when their lane has room', () => {
    let now = 1_000;
    const core = new CrawlJobCore(new MemoryJobStore(), () => now, { lane_width: 1 });
    const first = core.start({ ...laneConfig, seeds: [`${hosts[0]}/`] });
    // Width 1: robots.txt goes, the seed is held.
    expect(first.map((o) => o.item.kind)).toEqual(['robots']);
    now += 200_000;
    // The robots message was lost: the sweep sends it again (a new message id), the seed stays held.
    const swept = core.sweep(120_000);
    expect(swept.map((o) => [o.item.kind, o.sends])).toEqual([['robots', 2]]);
    const { send } = core.complete(swept[0]?.key as string, { requests: [], counters: {} });
    expect(send.map((o) => o.item.url)).toEqual([`${hosts[0]}/`]);
  });

  it('pause and resume: the items that were on the queue go again, then the lanes fill', () => {
    const core = new CrawlJobCore(new MemoryJobStore(), () => 1_000, { lane_width: 1 });
    const [robots] = core.start({ ...laneConfig, seeds: [`${hosts[0]}/`, `${hosts[0]}/2`] });
    core.pause();
    const resumed = core.resume();
    expect(resumed.map((o) => [o.key, o.sends])).toEqual([[robots?.key, 2]]);
    const { send } = core.complete(robots?.key as string, { requests: [], counters: {} });
    expect(send.map((o) => o.item.url)).toEqual([`${hosts[0]}/`]);
  });
});

describe('CrawlJobCore robots rules in the job', () => {
  const a = 'https://a.test';
  const rulesUntil = (expires_at: number) => ({
    origin: a,
    rules: rulesFor(parseRobotsTxt('User-agent: *\nDisallow: /private/\n'), 'PrometheanBot'),
    expires_at,
  });
  const link = (raw: string) => ({
    raw,
    base: `${a}/`,
    item: { kind: 'page' as const, depth: 1, via: 'link' as const, hops: 0 },
  });
  const urls = (out: Outgoing[]) => out.map((o) => o.item.url);
  const jobConfig = { provider: 'echo', tenant: 'demo', job_id: 'robots', max_pages: 100, max_depth: 5 };

  it('a disallowed item holds no lane: it is finished in the job, counted, never sent', () => {
    let now = 1_000;
    const store = new MemoryJobStore();
    const core = new CrawlJobCore(store, () => now, { lane_width: 1 });
    // Width 1: robots.txt goes; the seed, a disallowed page and another page are held behind it.
    const [robots] = core.start({ ...jobConfig, seeds: [`${a}/`, `${a}/private/x`, `${a}/y`] });
    expect(robots?.item.kind).toBe('robots');
    now += 10;
    // The robots item reports its rules: the held disallowed page is finished at once, out of turn.
    const first = core.complete(robots?.key as string, {
      requests: [],
      counters: {},
      robots: rulesUntil(1_000_000),
    });
    expect(urls(first.send)).toEqual([`${a}/`]);
    expect(core.status()).toMatchObject({ open: 2, counters: { robots_blocked: 1 } });
    now += 10;
    // The seed's links: two disallowed pages between allowed ones. The lane's one place goes to `/y`
    // (held longest), and the disallowed links are never held at all.
    const second = core.complete(`page:${a}/`, {
      requests: [link('/private/1'), link('/p1'), link('/private/2'), link('/p2')],
      counters: {},
    });
    expect(second.answer.admitted).toBe(4);
    expect(urls(second.send)).toEqual([`${a}/y`]);
    expect(core.status()).toMatchObject({ open: 3, counters: { robots_blocked: 3 } });
    // Each later completion sends the next allowed page, never a disallowed one.
    const third = core.complete(`page:${a}/y`, { requests: [], counters: {} });
    expect(urls(third.send)).toEqual([`${a}/p1`]);
    // The rules survive a reload: a disallowed link found after it is finished in the job too.
    const reloaded = new CrawlJobCore(store, () => now, { lane_width: 1 });
    const fourth = reloaded.complete(`page:${a}/p1`, {
      requests: [link('/private/3'), link('/private/1')],
      counters: {},
    });
    expect(urls(fourth.send)).toEqual([`${a}/p2`]);
    const last = reloaded.complete(`page:${a}/p2`, { requests: [], counters: {} });
    expect(last.send).toEqual([]);
    // The job ends with its last allowed item; /private/1 again was a duplicate, not a second block.
    expect(reloaded.status()).toMatchObject({ state: 'done', open: 0, counters: { robots_blocked: 4 } });
  });

  it('expired rules are left to the worker, as before: the host may have new ones', () => {
    let now = 1_000;
    const core = new CrawlJobCore(new MemoryJobStore(), () => now);
    const [robots] = core.start({ ...jobConfig, seeds: [`${a}/`] });
    core.complete(robots?.key as string, { requests: [], counters: {}, robots: rulesUntil(5_000) });
    const fresh = core.complete(`page:${a}/`, {
      requests: [link('/private/early'), link('/q')],
      counters: {},
    });
    expect(urls(fresh.send)).toEqual([`${a}/q`]);
    now = 5_000;
    // The host's cached copy has expired: the item goes to a worker, whose permit asks the host afresh.
    const expired = core.complete(`page:${a}/q`, { requests: [link('/private/late')], counters: {} });
    expect(urls(expired.send)).toEqual([`${a}/private/late`]);
    expect(core.status()?.counters.robots_blocked).toBe(1);
  });
});
