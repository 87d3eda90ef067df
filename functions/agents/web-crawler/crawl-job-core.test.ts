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
    core.passed('summaries', 'p1');
    core.passed('summaries', 'p1');
    core.passed('summaries', 'p2');
    core.passed('tagged', 'p1');
    const reloaded = new CrawlJobCore(store, () => 2_000);
    reloaded.passed('summaries', 'p2');
    reloaded.passed('vectors', 'p1');
    const counters = reloaded.status()?.counters;
    expect(counters?.summaries).toBe(2);
    expect(counters?.tagged).toBe(1);
    expect(counters?.vectors).toBe(1);
  });

  it('ignores passes for a job that never started', () => {
    const core = new CrawlJobCore(new MemoryJobStore(), () => 1_000);
    core.passed('summaries', 'p1');
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
