/**
 * Reads the clear-text RTP header of every UDP audio packet before @discordjs/voice decrypts it, so the
 * receive path can place the decrypted Opus by RTP sequence and timestamp (the receiver only hands out
 * the payload). The tap listens first on the socket; the receiver pushes the packet synchronously right
 * after, so the last header seen for an SSRC belongs to the packet being delivered.
 */
import { OPUS_PAYLOAD_TYPE, parseRtpHeader, type RtpHeader } from './rtp-header.ts';

export class RtpHeaderTap {
  readonly #last = new Map<number, RtpHeader>();

  /** The UDP `message` listener. */
  readonly onUdpMessage = (packet: Buffer): void => {
    const header = parseRtpHeader(packet);
    if (header?.payloadType === OPUS_PAYLOAD_TYPE) this.#last.set(header.ssrc, header);
  };

  /** The header of the packet just received from `ssrc` (each header is handed out once). */
  take(ssrc: number): RtpHeader | undefined {
    const h = this.#last.get(ssrc);
    this.#last.delete(ssrc);
    return h;
  }

  forget(ssrc: number): void {
    this.#last.delete(ssrc);
  }
}
