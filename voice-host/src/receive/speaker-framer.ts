/**
 * Turns one speaker's ordered Opus packets into exact 20 ms mono frames on a true timeline: RTP time is
 * anchored to arrival, gaps from lost packets become silence, long pauses become a time jump.
 */
import { FRAME_MS, FRAME_SAMPLES, type MonoFrame, SAMPLES_PER_MS } from '../audio/discord-pcm.ts';
import type { OpusFrameDecoder } from './opus-frame-decoder.ts';
import { downmixStereo } from './stereo-downmix.ts';
import type { TimedPacket } from './timed-packet.ts';

export interface FramerOptions {
  /** Gaps up to this long are filled with silence frames; longer ones jump the timeline forward. */
  readonly maxGapFillMs: number;
  /** When RTP time and arrival disagree by more than this, the RTP clock is re-anchored to arrival. */
  readonly resyncMs: number;
}

/** Builds frames sample by sample; marks a frame `filled` when none of its samples were received. */
class FrameAccumulator {
  #buf = new Int16Array(FRAME_SAMPLES);
  #at = 0;
  #real = 0;
  ts = 0;

  /** Samples in the frame being built. */
  get partial(): number {
    return this.#at;
  }

  append(userId: string, samples: Int16Array | number, out: MonoFrame[]): void {
    const silent = typeof samples === 'number';
    let remaining = silent ? samples : samples.length;
    let from = 0;
    while (remaining > 0) {
      const n = Math.min(remaining, FRAME_SAMPLES - this.#at);
      if (!silent) {
        this.#buf.set(samples.subarray(from, from + n), this.#at);
        this.#real += n;
      }
      this.#at += n;
      from += n;
      remaining -= n;
      if (this.#at === FRAME_SAMPLES) this.#emit(userId, out);
    }
  }

  /** Pads a partial frame with silence and emits it. */
  pad(userId: string, out: MonoFrame[]): void {
    if (this.#at > 0) this.#emit(userId, out);
  }

  #emit(userId: string, out: MonoFrame[]): void {
    out.push({ userId, ts: this.ts, samples: this.#buf, filled: this.#real === 0 });
    this.#buf = new Int16Array(FRAME_SAMPLES);
    this.#at = 0;
    this.#real = 0;
    this.ts += FRAME_MS;
  }
}

export class SpeakerFramer {
  readonly #userId: string;
  readonly #decoder: OpusFrameDecoder;
  readonly #options: FramerOptions;
  readonly #acc = new FrameAccumulator();
  #anchor: { rtp: number; wall: number } | undefined;
  #expectedRtp = 0;
  filledFrames = 0;
  jumps = 0;

  constructor(userId: string, decoder: OpusFrameDecoder, options: FramerOptions) {
    this.#userId = userId;
    this.#decoder = decoder;
    this.#options = options;
  }

  /** Decodes an in-order packet and returns the frames it completes. */
  push(packet: TimedPacket): MonoFrame[] {
    const out: MonoFrame[] = [];
    const stereo = this.#decoder.decode(packet.opus);
    // An undecodable packet is skipped: the next packet's gap fill gives its time back as silence.
    if (stereo === undefined) return out;
    let mono = downmixStereo(stereo);
    this.#placeOnTimeline(packet, out);
    const gap = packet.rtpTs - this.#expectedRtp;
    if (gap < 0) mono = mono.subarray(Math.min(mono.length, -gap));
    else if (gap > 0) this.#fillOrJump(packet.rtpTs, gap, out);
    this.#acc.append(this.#userId, mono, out);
    this.#expectedRtp = Math.max(this.#expectedRtp, packet.rtpTs + mono.length + Math.max(0, -gap));
    this.filledFrames += out.filter((f) => f.filled).length;
    return out;
  }

  /** Emits a partial frame padded with silence (the speaker went quiet). */
  flush(): MonoFrame[] {
    const out: MonoFrame[] = [];
    if (this.#acc.partial > 0) {
      // The padding is time that passed: the next packet is expected after it.
      this.#expectedRtp += FRAME_SAMPLES - this.#acc.partial;
      this.#acc.pad(this.#userId, out);
    }
    return out;
  }

  /** The end of the last emitted frame (ms), or undefined before the first packet. */
  get timelineEnd(): number | undefined {
    return this.#anchor === undefined ? undefined : this.#acc.ts;
  }

  #wall(rtp: number): number {
    const a = this.#anchor!;
    return a.wall + (rtp - a.rtp) / SAMPLES_PER_MS;
  }

  /** Anchors the RTP clock on the first packet, and again when RTP time drifts far from arrival. */
  #placeOnTimeline(packet: TimedPacket, out: MonoFrame[]): void {
    if (this.#anchor !== undefined) {
      const drift = Math.abs(this.#wall(packet.rtpTs) - packet.arrivalMs);
      if (drift <= this.#options.resyncMs) return;
      this.#acc.pad(this.#userId, out);
      this.jumps++;
    }
    const wall = Math.max(Math.round(packet.arrivalMs), this.#anchor === undefined ? 0 : this.#acc.ts);
    this.#anchor = { rtp: packet.rtpTs, wall };
    this.#expectedRtp = packet.rtpTs;
    this.#acc.ts = wall;
  }

  #fillOrJump(rtpTs: number, gap: number, out: MonoFrame[]): void {
    if (gap <= this.#options.maxGapFillMs * SAMPLES_PER_MS) {
      this.#acc.append(this.#userId, gap, out);
      return;
    }
    this.#acc.pad(this.#userId, out);
    this.#acc.ts = Math.max(this.#acc.ts, Math.round(this.#wall(rtpTs)));
    this.jumps++;
  }
}
