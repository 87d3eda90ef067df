/** A segment sink that keeps everything in memory, keyed by idempotency key (tests, the benchmark). */
import type { SegmentSink, SegmentWrite } from './segment-sink.ts';

export class MemorySegmentSink implements SegmentSink {
  /** Stored segments by envelope id; a rewrite replaces the entry, as blob storage would. */
  readonly segments = new Map<string, SegmentWrite>();
  /** Every write in order, rewrites included. */
  readonly writes: SegmentWrite[] = [];
  readonly #waiters: Array<{ count: number; resolve: () => void }> = [];

  async write(segment: SegmentWrite): Promise<void> {
    this.segments.set(segment.envelope.id, segment);
    this.writes.push(segment);
    for (const w of this.#waiters.splice(0)) {
      if (this.segments.size >= w.count) w.resolve();
      else this.#waiters.push(w);
    }
  }

  /** Resolves once at least `count` distinct segments are stored. */
  waitFor(count: number): Promise<void> {
    if (this.segments.size >= count) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ count, resolve }));
  }
}
