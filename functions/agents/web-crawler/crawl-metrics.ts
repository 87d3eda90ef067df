/** What a crawl measures as it goes: per-host fetch timings, pass and embed latencies. */

export interface TimingSummary {
  count: number;
  total_ms: number;
  max_ms: number;
}

function add(map: Map<string, TimingSummary>, key: string, ms: number): void {
  const t = map.get(key) ?? { count: 0, total_ms: 0, max_ms: 0 };
  map.set(key, { count: t.count + 1, total_ms: t.total_ms + ms, max_ms: Math.max(t.max_ms, ms) });
}

export class CrawlMetrics {
  readonly hosts = new Map<string, TimingSummary>();
  readonly stages = new Map<string, TimingSummary>();

  hostTiming(host: string, ms: number): void {
    add(this.hosts, host, ms);
  }

  stage(name: 'summary' | 'tags' | 'embed' | 'vector_write', ms: number): void {
    add(this.stages, name, ms);
  }

  toJSON(): Record<string, Record<string, TimingSummary & { avg_ms: number }>> {
    const view = (m: Map<string, TimingSummary>) =>
      Object.fromEntries(
        [...m].map(([k, t]) => [k, { ...t, avg_ms: t.count === 0 ? 0 : Math.round(t.total_ms / t.count) }]),
      );
    return { hosts: view(this.hosts), stages: view(this.stages) };
  }
}
