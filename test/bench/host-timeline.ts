/**
 * Where the busiest host's time went in a crawl, from the fixture's request log: the host sets the
 * politeness bound ((n − 1) · delay), so every millisecond of its timeline that is not the crawl-delay
 * is lost ratio. Each gap between two of its requests splits into the delay (counted from the previous
 * response's end, as the crawler counts it), idle with no URL of the host known yet (no response had
 * revealed one: frontier starvation), and a URL known with the delay over but no request sent (the
 * frontier hand-off, the permit and the send: overhead).
 */
import { canonicalizeUrl } from '@promethean/shared/web/url-canonicalizer';
import { type FixtureRequest, fixtureLinks } from '../web/fixture-web.ts';

export interface HostTimeline {
  host: string;
  requests: number;
  /** The crawl's first request to its last (every host), what pages_per_s divides by. */
  elapsed_ms: number;
  /** (requests − 1) · delay: the host's part of the bound. */
  bound_ms: number;
  /** Before the host's first request, and after its last one until the crawl's last. */
  head_ms: number;
  tail_ms: number;
  /** The host's responses, request to end (as the fixture saw them). */
  fetch_ms: number;
  /** The crawl-delay after each response (at most the delay per gap). */
  delay_wait_ms: number;
  /** Delay over, but no URL of this host revealed yet by any response (starvation). */
  idle_no_work_ms: number;
  /** Delay over and a URL of this host revealed, but not requested yet. */
  overhead_ms: number;
  /** Gaps (of requests − 1) in which a revealed URL was waiting when the delay ran out. */
  gaps_with_ready_url: number;
  /** Requests whose URL no earlier response revealed (seeds, robots.txt): taken as known from the start. */
  known_from_start: number;
  /** Median per gap (ms): overhead, and idle with no work. */
  median_overhead_ms: number;
  median_idle_no_work_ms: number;
}

function keyOf(url: string): string {
  const c = canonicalizeUrl(url);
  return c.ok ? c.url : url;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/**
 * The timeline of the host with the most requests. `origins` maps each host role to its origin;
 * `requests` is the fixture's log (any order).
 */
export function busiestHostTimeline(
  requests: readonly FixtureRequest[],
  origins: Readonly<Record<string, string>>,
  delay_ms: number,
): HostTimeline | undefined {
  return hostTimelines(requests, origins, delay_ms)[0];
}

/** Every host's timeline, the busiest first (the others show whose tail ends the crawl). */
export function hostTimelines(
  requests: readonly FixtureRequest[],
  origins: Readonly<Record<string, string>>,
  delay_ms: number,
): HostTimeline[] {
  const log = [...requests].sort((a, b) => a.at - b.at);
  const first = log[0];
  const last = log.at(-1);
  if (!first || !last) return [];
  // When each URL was first revealed: the end of the earliest response linking to it.
  const revealed = new Map<string, number>();
  for (const r of log) {
    if (r.ended_at === undefined) continue;
    for (const link of fixtureLinks(r, origins[r.host] ?? '')) {
      const k = keyOf(link);
      const known = revealed.get(k);
      if (known === undefined || r.ended_at < known) revealed.set(k, r.ended_at);
    }
  }
  const counts = new Map<string, number>();
  for (const r of log) counts.set(r.host, (counts.get(r.host) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .map(([host, n]) => timelineOf(log, host, n, revealed, origins, delay_ms));
}

function timelineOf(
  log: readonly FixtureRequest[],
  host: string,
  n: number,
  revealed: ReadonlyMap<string, number>,
  origins: Readonly<Record<string, string>>,
  delay_ms: number,
): HostTimeline {
  const first = log[0] as FixtureRequest;
  const last = log.at(-1) as FixtureRequest;
  const urlOf = (r: FixtureRequest) => `${origins[r.host] ?? `http://${r.host}`}${r.path}`;
  const mine = log.filter((r) => r.host === host);
  let knownFromStart = 0;
  const readyAt = mine.map((r) => {
    const t = revealed.get(keyOf(urlOf(r)));
    if (t === undefined || t > r.at) {
      // Seeds and robots.txt; a URL revealed only after it was requested is one the crawler found another way.
      knownFromStart++;
      return first.at;
    }
    return t;
  });
  let fetch = 0;
  let delayWait = 0;
  let idle = 0;
  let overhead = 0;
  let withReady = 0;
  const overheads: number[] = [];
  const idles: number[] = [];
  for (let i = 0; i < mine.length; i++) {
    const r = mine[i] as FixtureRequest;
    const end = r.ended_at ?? r.at;
    fetch += end - r.at;
    const next = mine[i + 1];
    if (!next) break;
    const gap = Math.max(0, next.at - end);
    delayWait += Math.min(gap, delay_ms);
    const free = end + delay_ms;
    if (next.at <= free) {
      overheads.push(0);
      idles.push(0);
      withReady++;
      continue;
    }
    // The earliest any not-yet-requested URL of the host was revealed.
    let ready = Number.POSITIVE_INFINITY;
    for (let j = i + 1; j < mine.length; j++) ready = Math.min(ready, readyAt[j] as number);
    const workFrom = Math.min(next.at, Math.max(free, ready));
    if (ready <= free) withReady++;
    idle += workFrom - free;
    overhead += next.at - workFrom;
    idles.push(workFrom - free);
    overheads.push(next.at - workFrom);
  }
  const lastMine = mine.at(-1) as FixtureRequest;
  const round = (x: number) => Math.round(x);
  return {
    host,
    requests: n,
    elapsed_ms: round(last.at - first.at),
    bound_ms: round((n - 1) * delay_ms),
    head_ms: round((mine[0] as FixtureRequest).at - first.at),
    // The host's last response ends inside the tail too; counted under fetch_ms, so not twice.
    tail_ms: round(last.at - lastMine.at - ((lastMine.ended_at ?? lastMine.at) - lastMine.at)),
    fetch_ms: round(fetch),
    delay_wait_ms: round(delayWait),
    idle_no_work_ms: round(idle),
    overhead_ms: round(overhead),
    gaps_with_ready_url: withReady,
    known_from_start: knownFromStart,
    median_overhead_ms: round(median(overheads)),
    median_idle_no_work_ms: round(median(idles)),
  };
}
