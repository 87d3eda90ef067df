/**
 * A session's receive side: the receive callback only enqueues (bounded, drop-oldest); a deferred drain
 * runs each speaker's receive path and segmenter and hands finished segments to the publisher.
 */
import { FRAME_MS, type MonoFrame } from '../audio/discord-pcm.ts';
import { DropOldestQueue } from '../queue/drop-oldest-queue.ts';
import type { RtpHeader } from '../receive/rtp-header.ts';
import {
  SpeakerReceiver,
  type SpeakerReceiverOptions,
  type SpeakerStats,
} from '../receive/speaker-receiver.ts';
import { type AssembledSegment, SegmentAssembler } from '../segments/segment-assembler.ts';
import type { VadConfig } from '../vad/vad-config.ts';

/** One received Opus packet waiting to be processed. */
interface QueuedPacket {
  readonly userId: string;
  readonly opus: Uint8Array;
  readonly header: RtpHeader | undefined;
  readonly arrivalMs: number;
}

export interface SpeechPipelineOptions {
  readonly receiver: SpeakerReceiverOptions;
  readonly vad: VadConfig;
  /** Packets waiting between receive and processing before the oldest is dropped. */
  readonly packetQueueCapacity: number;
  /** A speaker silent this long has its held packets and partial frame flushed (ms). */
  readonly idleFlushMs: number;
  /**
   * How often `tick` is meant to run (ms, default 10). A tick later than this by more than `stallSlackMs`
   * means the event loop was busy: packets may be sitting unread in the socket, so that tick decides
   * nothing about quiet speakers until the socket has been read (see `tick`).
   */
  readonly tickMs?: number;
  /** Lateness tolerated before a tick counts as a stall (ms, default 40). */
  readonly stallSlackMs?: number;
  /**
   * Runs work later: the drain, off the receive callback, and a late tick's quiet checks, after the socket
   * has been polled (default: setImmediate, which runs after the poll phase of the same loop turn).
   */
  readonly defer?: (fn: () => void) => void;
  readonly onSegment: (segment: AssembledSegment) => void;
  readonly onSpeaking: (userId: string, speaking: boolean, ts: number) => void;
  /** A bug in processing: reported, and the pipeline carries on with the next packet. */
  readonly onError?: (error: unknown) => void;
}

/** Receive-side health figures for one session. */
export interface PipelineStats {
  speakers: number;
  jitterMs: number;
  packetLoss: number;
  lostPackets: number;
  receivedPackets: number;
  decodeFailures: number;
  decryptFailures: number;
  queueDepth: number;
  droppedFrames: number;
  framesProcessed: number;
}

interface Speaker {
  readonly receiver: SpeakerReceiver;
  readonly assembler: SegmentAssembler;
  flushed: boolean;
}

export class SpeechPipeline {
  readonly #o: SpeechPipelineOptions;
  readonly #queue: DropOldestQueue<QueuedPacket>;
  readonly #speakers = new Map<string, Speaker>();
  #scheduled = false;
  #decryptFailures = 0;
  #frames = 0;
  #lastTickMs: number | undefined;
  /** Total time the loop was stalled (ticks late beyond the slack), ms. */
  #stalledMs = 0;

  constructor(options: SpeechPipelineOptions) {
    this.#o = options;
    this.#queue = new DropOldestQueue(options.packetQueueCapacity);
  }

  /** The receive callback: O(1), never blocks, never throws. */
  onPacket(userId: string, opus: Uint8Array, header: RtpHeader | undefined, arrivalMs: number): void {
    this.#queue.push({ userId, opus, header, arrivalMs });
    if (this.#scheduled) return;
    this.#scheduled = true;
    (this.#o.defer ?? setImmediate)(() => {
      this.#scheduled = false;
      try {
        this.process();
      } catch (e) {
        // Off the receive callback nobody else would catch it; the failing packet is already dequeued.
        this.#o.onError?.(e);
      }
    });
  }

  /** A packet that could not be decrypted was skipped. */
  countDecryptFailure(): void {
    this.#decryptFailures++;
  }

  /** Processes everything queued; returns how many packets it took. */
  process(): number {
    let n = 0;
    for (let p = this.#queue.shift(); p !== undefined; p = this.#queue.shift()) {
      const speaker = this.#speaker(p.userId);
      speaker.flushed = false;
      this.#feed(speaker, speaker.receiver.receive(p.opus, p.header, p.arrivalMs));
      n++;
    }
    return n;
  }

  /**
   * Time-driven work: gaps that waited too long, quiet speakers, hangovers that ran out. Quiet is measured
   * on the speaker's own (RTP) timeline plus the wall time since their last packet. After a stall, timers
   * run before the socket is read, and the packets waiting there must not be mistaken for silence (that
   * split utterances in two under CPU load): a late tick leaves the quiet checks to a deferred turn, which
   * runs after the poll phase has read the socket. Only that: a stall's length is not added to anyone's
   * hangover (subtracting stalled time from quiet did, and it was most of first audio's p95 under load).
   */
  tick(nowMs: number): void {
    if (this.#noteStall(nowMs)) {
      (this.#o.defer ?? setImmediate)(() => {
        try {
          this.#timeWork(nowMs);
        } catch (e) {
          this.#o.onError?.(e);
        }
      });
      return;
    }
    this.#timeWork(nowMs);
  }

  #timeWork(nowMs: number): void {
    this.process();
    for (const s of this.#speakers.values()) {
      this.#feed(s, s.receiver.tick(nowMs));
      const quiet = this.#quietMs(s, nowMs);
      if (!s.flushed && quiet >= this.#o.idleFlushMs) {
        this.#feed(s, s.receiver.drain());
        s.flushed = true;
      }
      const end = s.receiver.timelineEnd;
      // The last frame ends one frame after its packet arrived: count quiet from its start, as arrival does.
      if (end !== undefined) s.assembler.idle(end - FRAME_MS + quiet);
    }
  }

  /** Time the loop was stalled so far (ms), for health and tests. */
  get stalledMs(): number {
    return this.#stalledMs;
  }

  /** Whether this tick came late enough that the socket may hold unread packets (counted in `stalledMs`). */
  #noteStall(nowMs: number): boolean {
    const last = this.#lastTickMs;
    this.#lastTickMs = nowMs;
    if (last === undefined) return false;
    const late = nowMs - last - (this.#o.tickMs ?? 10);
    if (late <= (this.#o.stallSlackMs ?? 40)) return false;
    this.#stalledMs += late;
    return true;
  }

  /** Wall time since the speaker's last packet. */
  #quietMs(s: Speaker, nowMs: number): number {
    return Math.max(0, nowMs - s.receiver.lastArrivalMs);
  }

  /** Flushes every speaker and closes open utterances (the session is ending). */
  end(): void {
    this.process();
    for (const s of this.#speakers.values()) {
      this.#feed(s, s.receiver.drain());
      s.assembler.end();
    }
  }

  /** Forgets a speaker who left (closing their utterance first). */
  removeSpeaker(userId: string): void {
    const s = this.#speakers.get(userId);
    if (!s) return;
    this.#feed(s, s.receiver.drain());
    s.assembler.end();
    this.#speakers.delete(userId);
  }

  /** Whether anyone is mid-utterance (the playback side ducks or stops for them). */
  get anyoneSpeaking(): boolean {
    for (const s of this.#speakers.values()) if (s.assembler.open) return true;
    return false;
  }

  stats(): PipelineStats {
    const all: SpeakerStats[] = [...this.#speakers.values()].map((s) => s.receiver.stats());
    const lost = all.reduce((a, s) => a + s.lost, 0);
    const delivered = all.reduce((a, s) => a + s.received - s.duplicates, 0);
    return {
      speakers: all.length,
      jitterMs: all.length === 0 ? 0 : Math.max(...all.map((s) => s.jitterMs)),
      packetLoss: lost + delivered === 0 ? 0 : lost / (lost + delivered),
      lostPackets: lost,
      receivedPackets: delivered,
      decodeFailures: all.reduce((a, s) => a + s.decodeFailures, 0),
      decryptFailures: this.#decryptFailures,
      queueDepth: this.#queue.size,
      droppedFrames: this.#queue.dropped,
      framesProcessed: this.#frames,
    };
  }

  #speaker(userId: string): Speaker {
    let s = this.#speakers.get(userId);
    if (!s) {
      s = {
        receiver: new SpeakerReceiver(userId, this.#o.receiver),
        assembler: new SegmentAssembler(userId, this.#o.vad, {
          segment: (seg) => this.#o.onSegment(seg),
          speaking: (u, speaking, ts) => this.#o.onSpeaking(u, speaking, ts),
        }),
        flushed: false,
      };
      this.#speakers.set(userId, s);
    }
    return s;
  }

  #feed(s: Speaker, frames: MonoFrame[]): void {
    for (const f of frames) s.assembler.frame(f);
    this.#frames += frames.length;
  }
}
