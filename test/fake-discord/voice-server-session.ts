/**
 * One voice session as the fake voice server keeps it: who it is (the grant from VOICE_SERVER_UPDATE),
 * its SSRC, the negotiated transport (mode, key, the client's UDP address) and the v8 message buffer —
 * every numbered message it was sent, so a RESUME after 4015 re-delivers what the client missed
 * (https://discord.com/developers/docs/topics/voice-connections#buffered-resume).
 */
import type { WebSocket } from 'ws';
import type { VoiceEncryptionMode } from './voice-transport-crypto.ts';

/** What the main gateway handed out: the voice server accepts IDENTIFY only for a matching grant. */
export interface VoiceGrant {
  readonly guildId: string;
  readonly channelId: string;
  readonly userId: string;
  readonly sessionId: string;
  readonly token: string;
}

/** How many numbered messages the server keeps for a resume; older ones make the resume fail (4006). */
export const RESUME_BUFFER = 256;

/** A numbered message as sent: its sequence number and the exact frame. */
interface Buffered {
  readonly seq: number;
  readonly frame: string | Buffer;
}

/** The server's state for one voice session (survives its WebSocket; ends with a non-resumable close). */
export class VoiceServerSession {
  readonly grant: VoiceGrant;
  readonly ssrc: number;
  readonly maxDaveProtocolVersion: number;
  ws: WebSocket | null = null;
  mode: VoiceEncryptionMode | null = null;
  secretKey: Buffer | null = null;
  udp: { address: string; port: number } | null = null;
  /** The last `seq_ack` the client reported (heartbeat or resume). */
  seqAck = -1;
  speaking = 0;
  ended = false;
  /** Transport nonce counter for packets the server sends to this client. */
  outCounter = 0;
  #lastSeq = 0;
  readonly #buffer: Buffered[] = [];

  constructor(grant: VoiceGrant, ssrc: number, maxDaveProtocolVersion: number) {
    this.grant = grant;
    this.ssrc = ssrc;
    this.maxDaveProtocolVersion = maxDaveProtocolVersion;
  }

  /** The last sequence number used (0 before any numbered message). */
  get seq(): number {
    return this.#lastSeq;
  }

  /** Sends (or, with no socket, only buffers) a numbered JSON message. */
  send(op: number, d: unknown): number {
    const seq = this.#next();
    this.#keep(seq, JSON.stringify({ op, d, seq }));
    return seq;
  }

  /** Sends (or buffers) a numbered binary message: `seq(2, BE) | op(1) | payload`. */
  sendBinary(op: number, payload: Uint8Array): number {
    const seq = this.#next();
    const frame = Buffer.alloc(3 + payload.byteLength);
    frame.writeUInt16BE(seq & 0xffff, 0);
    frame.writeUInt8(op, 2);
    frame.set(payload, 3);
    this.#keep(seq, frame);
    return seq;
  }

  /** Sends an unnumbered JSON message (HELLO, HEARTBEAT_ACK); lost when no socket is attached. */
  sendUnnumbered(op: number, d: unknown): void {
    this.ws?.send(JSON.stringify({ op, d }));
  }

  /** Re-sends every buffered message after `seqAck`; false when some were already dropped from the buffer. */
  replayAfter(seqAck: number): boolean {
    const oldest = this.#buffer[0]?.seq ?? this.#lastSeq + 1;
    if (seqAck + 1 < oldest && seqAck < this.#lastSeq) return false;
    for (const m of this.#buffer) if (m.seq > seqAck) this.ws?.send(m.frame);
    return true;
  }

  #next(): number {
    this.#lastSeq += 1;
    return this.#lastSeq;
  }

  #keep(seq: number, frame: string | Buffer): void {
    this.#buffer.push({ seq, frame });
    if (this.#buffer.length > RESUME_BUFFER) this.#buffer.shift();
    this.ws?.send(frame);
  }
}
