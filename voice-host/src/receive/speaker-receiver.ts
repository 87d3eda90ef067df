/** One speaker's receive path: RTP placement → reorder buffer → Opus decode → downmix → 20 ms frames. */
import { FRAME_SAMPLES, type MonoFrame, SAMPLES_PER_MS } from '../audio/discord-pcm.ts';
import { InterarrivalJitter } from './interarrival-jitter.ts';
import { OpusFrameDecoder } from './opus-frame-decoder.ts';
import { ReorderBuffer, type ReorderOptions } from './reorder-buffer.ts';
import type { RtpHeader } from './rtp-header.ts';
import { type FramerOptions, SpeakerFramer } from './speaker-framer.ts';
import type { TimedPacket } from './timed-packet.ts';
import { WrapUnwrapper } from './wrap-unwrapper.ts';

export interface SpeakerReceiverOptions extends FramerOptions {
  readonly reorder: ReorderOptions;
}

/** What one speaker's receive path has seen, for health. */
export interface SpeakerStats {
  received: number;
  lost: number;
  duplicates: number;
  reordered: number;
  decodeFailures: number;
  filledFrames: number;
  jitterMs: number;
}

/**
 * Places packets by RTP sequence and timestamp when the header is known, else by arrival (one frame per
 * packet, never earlier than the previous one), so the rest of the path always sees a timeline.
 */
export class SpeakerReceiver {
  readonly userId: string;
  readonly #seq = new WrapUnwrapper(16);
  readonly #ts = new WrapUnwrapper(32);
  readonly #reorder: ReorderBuffer;
  readonly #decoder = new OpusFrameDecoder();
  readonly #framer: SpeakerFramer;
  readonly #jitter = new InterarrivalJitter();
  #arrival: { seq: number; rtpTs: number; at: number } | undefined;
  #lastHeader: RtpHeader | undefined;
  /** Packets that came without an RTP header after the stream had headers (placed right after the last). */
  headerless = 0;
  /** Last time a packet arrived (ms), for idle detection. */
  lastArrivalMs = 0;

  constructor(userId: string, options: SpeakerReceiverOptions) {
    this.userId = userId;
    this.#reorder = new ReorderBuffer(options.reorder);
    this.#framer = new SpeakerFramer(userId, this.#decoder, options);
  }

  /** Takes one Opus packet; returns the frames that became complete. */
  receive(opus: Uint8Array, header: RtpHeader | undefined, arrivalMs: number): MonoFrame[] {
    this.lastArrivalMs = arrivalMs;
    // Once a stream has RTP headers it keeps RTP numbering: a packet without one follows the last.
    const h = header ?? this.#continueRtp();
    if (h) this.#lastHeader = h;
    const packet = h ? this.#fromRtp(opus, h, arrivalMs) : this.#fromArrival(opus, arrivalMs);
    this.#jitter.observe(packet.rtpTs, arrivalMs);
    return this.#frame(this.#reorder.push(packet));
  }

  /** Releases packets that waited too long behind a gap. */
  tick(nowMs: number): MonoFrame[] {
    return this.#frame(this.#reorder.flush(nowMs));
  }

  /** The speaker went quiet: release everything held and pad the last partial frame. */
  drain(): MonoFrame[] {
    return [...this.#frame(this.#reorder.flushAll()), ...this.#framer.flush()];
  }

  /** End of the last frame emitted (ms), or undefined before any. */
  get timelineEnd(): number | undefined {
    return this.#framer.timelineEnd;
  }

  /** Packets held back in the reorder buffer. */
  get held(): number {
    return this.#reorder.depth;
  }

  stats(): SpeakerStats {
    const c = this.#reorder.counters;
    return {
      received: c.received,
      lost: c.lost,
      duplicates: c.duplicates,
      reordered: c.reordered,
      decodeFailures: this.#decoder.failures,
      filledFrames: this.#framer.filledFrames,
      jitterMs: this.#jitter.ms,
    };
  }

  #frame(packets: TimedPacket[]): MonoFrame[] {
    return packets.flatMap((p) => this.#framer.push(p));
  }

  #continueRtp(): RtpHeader | undefined {
    const last = this.#lastHeader;
    if (last === undefined) return undefined;
    this.headerless++;
    return {
      ...last,
      sequence: (last.sequence + 1) & 0xffff,
      timestamp: (last.timestamp + FRAME_SAMPLES) >>> 0,
    };
  }

  #fromRtp(opus: Uint8Array, h: RtpHeader, arrivalMs: number): TimedPacket {
    return { seq: this.#seq.unwrap(h.sequence), rtpTs: this.#ts.unwrap(h.timestamp), arrivalMs, opus };
  }

  /** Without RTP: the next sequence number, and a timestamp from arrival rounded to whole frames. */
  #fromArrival(opus: Uint8Array, arrivalMs: number): TimedPacket {
    const prev = this.#arrival;
    const elapsed = prev === undefined ? 0 : (arrivalMs - prev.at) * SAMPLES_PER_MS;
    const frames = prev === undefined ? 0 : Math.max(1, Math.round(elapsed / FRAME_SAMPLES));
    const rtpTs = prev === undefined ? 0 : prev.rtpTs + frames * FRAME_SAMPLES;
    const seq = prev === undefined ? 0 : prev.seq + 1;
    this.#arrival = {
      seq,
      rtpTs,
      at: prev === undefined ? arrivalMs : prev.at + (frames * FRAME_SAMPLES) / SAMPLES_PER_MS,
    };
    return { seq, rtpTs, arrivalMs, opus };
  }
}
