/** One received Opus packet with its position in the speaker's stream. */

/** An Opus packet placed by its (extended) RTP sequence and timestamp, or by arrival when RTP is missing. */
export interface TimedPacket {
  /** Extended sequence number: increases by one per packet, never wraps. */
  readonly seq: number;
  /** Extended RTP timestamp in 48 kHz samples. */
  readonly rtpTs: number;
  /** Wall-clock arrival time (ms). */
  readonly arrivalMs: number;
  readonly opus: Uint8Array;
}
