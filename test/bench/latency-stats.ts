/** Percentiles and throughput for benchmark runs. */

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export interface RunStats {
  messages: number;
  seconds: number;
  rps: number;
  p50_ms: number;
  p99_ms: number;
  failed: number;
}

export function summarize(latencies: number[], failed: number, elapsedMs: number): RunStats {
  const sorted = [...latencies].sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 10) / 10;
  return {
    messages: latencies.length,
    seconds: round(elapsedMs / 1000),
    rps: round(latencies.length / (elapsedMs / 1000)),
    p50_ms: round(percentile(sorted, 50)),
    p99_ms: round(percentile(sorted, 99)),
    failed,
  };
}

/** Runs `jobs` with at most `limit` in flight, recording each job's latency. */
export async function runBounded(
  jobs: ReadonlyArray<() => Promise<boolean>>,
  limit: number,
): Promise<{ latencies: number[]; failed: number }> {
  const latencies: number[] = [];
  let failed = 0;
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const job = jobs[next++]!;
      const started = performance.now();
      const ok = await job().catch(() => false);
      if (ok) latencies.push(performance.now() - started);
      else failed++;
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return { latencies, failed };
}
