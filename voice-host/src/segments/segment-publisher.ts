/**
 * Turns assembled segments into `voice.audio.segment` writes and drains them to the sink in order, off the
 * receive path: a bounded drop-oldest queue in between, retries with backoff for retriable failures.
 */
import { VoiceAudioSegment } from '@promethean/schemas/voice/voice-messages';
import { segmentBlobKey, segmentIdempotencyKey } from '@promethean/schemas/voice/voice-segment-ingest';
import type { Clock } from '@promethean/shared/agent/envelope-factory';
import { createEnvelope } from '@promethean/shared/agent/envelope-factory';
import type { Scheduler } from '@promethean/shared/broker/scheduler';
import { SAMPLE_RATE } from '../audio/discord-pcm.ts';
import { DropOldestQueue } from '../queue/drop-oldest-queue.ts';
import type { VadConfig } from '../vad/vad-config.ts';
import type { AssembledSegment } from './segment-assembler.ts';
import { SegmentRejectedError, type SegmentSink, type SegmentWrite } from './segment-sink.ts';

/** Which session the segments belong to. */
export interface SegmentOrigin {
  readonly provider: string;
  readonly tenant: string;
  readonly sessionId: string;
}

export interface SegmentPublisherOptions {
  readonly origin: SegmentOrigin;
  readonly sink: SegmentSink;
  readonly scheduler: Scheduler;
  readonly vad: VadConfig;
  /** Segments waiting for the sink before the oldest is dropped. */
  readonly capacity: number;
  /** Attempts per segment for retriable failures. */
  readonly maxAttempts: number;
  readonly retryBaseMs: number;
  /** Called after each successful write with the time from hangover expiry (or split) to stored (ms). */
  readonly onPublished?: (write: SegmentWrite, latencyMs: number) => void;
  readonly log?: (line: Record<string, unknown>) => void;
  readonly src?: string;
}

export interface PublisherStats {
  published: number;
  dropped: number;
  rejected: number;
  retries: number;
  queueDepth: number;
}

interface Pending {
  readonly write: SegmentWrite;
  readonly closedAt: number;
  attempts: number;
}

/** The segment id: the speaker and the start time in whole ms, so the same audio always gets the same id. */
export function segmentIdFor(userId: string, tsStart: number): string {
  return `${userId}-${Math.round(tsStart)}`;
}

export class SegmentPublisher {
  readonly #o: SegmentPublisherOptions;
  readonly #queue: DropOldestQueue<Pending>;
  readonly #stats = { published: 0, rejected: 0, retries: 0 };
  #busy = false;
  #idleWaiters: Array<() => void> = [];

  constructor(options: SegmentPublisherOptions) {
    this.#o = options;
    this.#queue = new DropOldestQueue(options.capacity);
  }

  stats(): PublisherStats {
    return { ...this.#stats, dropped: this.#queue.dropped, queueDepth: this.#queue.size };
  }

  /** Queues a segment; never waits for the sink. */
  enqueue(segment: AssembledSegment): void {
    const write = this.#toWrite(segment);
    const evicted = this.#queue.push({ write, closedAt: segment.closedAt, attempts: 0 });
    if (evicted)
      this.#o.log?.({
        level: 'warn',
        msg: 'segment queue full: dropped oldest',
        id: evicted.write.envelope.id,
      });
    this.#pump();
  }

  /** Resolves when nothing is queued or being written. */
  idle(): Promise<void> {
    if (!this.#busy && this.#queue.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #toWrite(s: AssembledSegment): SegmentWrite {
    const { provider, tenant, sessionId } = this.#o.origin;
    const ids = { session_id: sessionId, segment_id: segmentIdFor(s.userId, s.tsStart) };
    const v = this.#o.vad;
    const payload = {
      ...ids,
      user_id: s.userId,
      ts_start: Math.round(s.tsStart),
      ts_end: Math.round(s.tsStart) + Math.round(s.tsEnd - s.tsStart),
      format: { encoding: 'pcm_s16le' as const, sample_rate: SAMPLE_RATE, channels: 1 },
      blob_key: segmentBlobKey(provider, tenant, ids),
      vad: {
        kind: v.adaptive ? 'energy-adaptive' : 'energy',
        start_threshold: v.start_threshold_db,
        stop_threshold: v.stop_threshold_db,
        hangover_ms: v.hangover_ms,
      },
    };
    const clock: Clock = this.#o.scheduler;
    const envelope = createEnvelope(VoiceAudioSegment, payload, {
      src: this.#o.src ?? 'voice-host',
      provider,
      tenant,
      id: segmentIdempotencyKey(ids),
      clock,
    });
    const pcm = new Uint8Array(s.pcm.buffer, s.pcm.byteOffset, s.pcm.byteLength);
    return { envelope, pcm };
  }

  #pump(): void {
    if (this.#busy) return;
    const next = this.#queue.shift();
    if (next === undefined) {
      for (const resolve of this.#idleWaiters.splice(0)) resolve();
      return;
    }
    this.#busy = true;
    next.attempts++;
    this.#o.sink.write(next.write).then(
      () => this.#done(next),
      (e: unknown) => this.#failed(next, e),
    );
  }

  #done(p: Pending): void {
    this.#stats.published++;
    this.#o.onPublished?.(p.write, this.#o.scheduler.now() - p.closedAt);
    this.#busy = false;
    this.#pump();
  }

  #failed(p: Pending, e: unknown): void {
    const id = p.write.envelope.id;
    if (e instanceof SegmentRejectedError || p.attempts >= this.#o.maxAttempts) {
      this.#stats.rejected++;
      this.#o.log?.({
        level: 'error',
        msg: 'segment not stored',
        id,
        attempts: p.attempts,
        error: String(e),
      });
      this.#busy = false;
      this.#pump();
      return;
    }
    this.#stats.retries++;
    const delay = this.#o.retryBaseMs * 2 ** (p.attempts - 1);
    // Keep order: the failed segment goes first again, after its backoff.
    this.#o.scheduler.schedule(delay, () => {
      p.attempts++;
      this.#o.sink.write(p.write).then(
        () => this.#done(p),
        (err: unknown) => this.#failed(p, err),
      );
    });
  }
}
