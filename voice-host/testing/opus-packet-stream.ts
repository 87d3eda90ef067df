/**
 * Encodes PCM into real Opus packets (20 ms, libopus via @discordjs/opus) and lays them out as a speaker's
 * RTP stream, with chosen packets dropped and pairs swapped, the way a lossy network delivers them.
 */
import opus from '@discordjs/opus';
import { OPUS_PAYLOAD_TYPE, type RtpHeader } from '../src/receive/rtp-header.ts';

/** Samples per channel in one 20 ms frame. */
const FRAME = 960;

/** Encodes interleaved 48 kHz stereo s16 into one Opus packet per 20 ms frame. */
export function encodeOpusFrames(stereo: Int16Array, bitrate = 64_000): Buffer[] {
  const encoder = new opus.OpusEncoder(48_000, 2);
  encoder.setBitrate(bitrate);
  const packets: Buffer[] = [];
  for (let i = 0; i + FRAME * 2 <= stereo.length; i += FRAME * 2) {
    const frame = stereo.subarray(i, i + FRAME * 2);
    packets.push(encoder.encode(Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength)));
  }
  return packets;
}

/** One packet as the receive path gets it. */
export interface StreamPacket {
  readonly header: RtpHeader;
  readonly opus: Buffer;
  /** Arrival time (ms from the stream start, plus `startMs`). */
  readonly arrivalMs: number;
  /** Index of the frame in the original recording. */
  readonly frame: number;
}

export interface StreamLayout {
  readonly ssrc?: number;
  /** First RTP sequence number (pick one near 65535 to cross a wrap). */
  readonly firstSeq?: number;
  readonly firstTimestamp?: number;
  /** Arrival time of frame 0. */
  readonly startMs?: number;
  /** Frame indexes never delivered. */
  readonly drop?: ReadonlySet<number>;
  /** Frame indexes delivered right after the next frame (a swapped pair). */
  readonly swapWithNext?: ReadonlySet<number>;
  /** Frame indexes delivered twice (the copy right after). */
  readonly duplicate?: ReadonlySet<number>;
}

/** The packets in delivery order with their RTP headers and arrival times. */
export function layOutStream(packets: readonly Buffer[], layout: StreamLayout = {}): StreamPacket[] {
  const ssrc = layout.ssrc ?? 4242;
  const firstSeq = layout.firstSeq ?? 100;
  const firstTs = layout.firstTimestamp ?? 10_000;
  const start = layout.startMs ?? 0;
  const inOrder: StreamPacket[] = packets.map((opusPacket, i) => ({
    header: {
      sequence: (firstSeq + i) & 0xffff,
      timestamp: (firstTs + i * FRAME) >>> 0,
      ssrc,
      payloadType: OPUS_PAYLOAD_TYPE,
    },
    opus: opusPacket,
    arrivalMs: start + i * 20,
    frame: i,
  }));
  const out: StreamPacket[] = [];
  for (let i = 0; i < inOrder.length; i++) {
    const p = inOrder[i]!;
    if (layout.drop?.has(i)) continue;
    const next = inOrder[i + 1];
    if (layout.swapWithNext?.has(i) && next && !layout.drop?.has(i + 1)) {
      out.push({ ...next }, { ...p, arrivalMs: next.arrivalMs + 1 });
      i++;
      continue;
    }
    out.push(p);
    if (layout.duplicate?.has(i)) out.push({ ...p, arrivalMs: p.arrivalMs + 1 });
  }
  return out;
}
