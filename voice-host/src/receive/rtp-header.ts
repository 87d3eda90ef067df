/** Reads the fixed RTP header (RFC 3550) that Discord sends in the clear before the encrypted payload. */

/** The fields of an RTP header the receive path needs. */
export interface RtpHeader {
  /** 16-bit sequence number (wraps). */
  readonly sequence: number;
  /** 32-bit sample clock at 48 kHz (wraps). */
  readonly timestamp: number;
  readonly ssrc: number;
  readonly payloadType: number;
}

/** Discord's payload type for Opus audio. */
export const OPUS_PAYLOAD_TYPE = 120;

/** Parses the first 12 bytes; undefined for anything that is not an RTP v2 packet. */
export function parseRtpHeader(packet: Uint8Array): RtpHeader | undefined {
  if (packet.length < 12) return undefined;
  const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
  if (view.getUint8(0) >> 6 !== 2) return undefined;
  return {
    payloadType: view.getUint8(1) & 0x7f,
    sequence: view.getUint16(2),
    timestamp: view.getUint32(4),
    ssrc: view.getUint32(8),
  };
}

/** Writes a 12-byte RTP v2 header (used by tests and the benchmark to build real packets). */
export function writeRtpHeader(h: RtpHeader): Uint8Array {
  const out = new Uint8Array(12);
  const view = new DataView(out.buffer);
  view.setUint8(0, 0x80);
  view.setUint8(1, h.payloadType & 0x7f);
  view.setUint16(2, h.sequence & 0xffff);
  view.setUint32(4, h.timestamp >>> 0);
  view.setUint32(8, h.ssrc >>> 0);
  return out;
}
