/** The sink used when no SEGMENT_INGEST_URL is configured (local runs): logs each segment, keeps nothing. */
import type { SegmentSink, SegmentWrite } from './segment-sink.ts';

export class DiscardSegmentSink implements SegmentSink {
  readonly #log: (line: Record<string, unknown>) => void;
  discarded = 0;

  constructor(log: (line: Record<string, unknown>) => void) {
    this.#log = log;
  }

  async write(segment: SegmentWrite): Promise<void> {
    this.discarded++;
    const p = segment.envelope.payload;
    this.#log({
      level: 'info',
      msg: 'segment (no ingest configured)',
      id: segment.envelope.id,
      ms: p.ts_end - p.ts_start,
    });
  }
}
