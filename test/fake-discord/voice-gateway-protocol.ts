/**
 * The server half of the voice gateway v8 (JSON + binary frames) on one WebSocket
 * (https://discord.com/developers/docs/topics/voice-connections): HELLO on connect; IDENTIFY → READY
 * (ssrc, ip, port, modes) and CLIENTS_CONNECT; SELECT_PROTOCOL → SESSION_DESCRIPTION; HEARTBEAT with
 * `seq_ack` → HEARTBEAT_ACK; SPEAKING relayed to the channel; RESUME → the missed numbered messages
 * and RESUMED; and the documented close codes for everything a client gets wrong.
 */
import { VoiceCloseCodes, VoiceOpcodes } from 'discord-api-types/voice/v8';
import type { WebSocket } from 'ws';
import { voiceCloseInfo } from './voice-close-codes.ts';
import type { VoiceGrant } from './voice-server-session.ts';
import { VoiceServerSession } from './voice-server-session.ts';
import { isVoiceEncryptionMode, type VoiceEncryptionMode } from './voice-transport-crypto.ts';

/** A message a client sent, as recorded for tests (tokens redacted). */
export interface ReceivedVoicePayload {
  readonly connection: number;
  readonly session_id: string | null;
  readonly op: number;
  readonly d: unknown;
  readonly binary: boolean;
  readonly at: number;
}

/** What the protocol needs from the server around it. */
export interface VoiceProtocolHost {
  readonly heartbeatIntervalMs: number;
  readonly udpPort: number;
  /** Modes offered in READY, in order (both rtpsize modes unless a test narrows them). */
  readonly modes: readonly VoiceEncryptionMode[];
  /** A channel that requires DAVE closes clients without it with 4017. */
  readonly daveRequired: boolean;
  grantFor(serverId: string): VoiceGrant | undefined;
  newSsrc(): number;
  newSecretKey(session: VoiceServerSession): Buffer;
  /** Users already in the session's channel (people and other clients), for CLIENTS_CONNECT. */
  othersIn(session: VoiceServerSession): string[];
  /** A session completed IDENTIFY or RESUME on a socket. */
  attached(session: VoiceServerSession, resumed: boolean): void;
  /** A session negotiated its transport: the server may now send it media. */
  described(session: VoiceServerSession): void;
  /** The DAVE protocol version to negotiate with this session (0 = transport encryption only). */
  daveVersion(session: VoiceServerSession): number;
  /** A DAVE message from the client: binary op 26 (key package) or 28 (commit/welcome), JSON op 23 or 31. */
  dave(session: VoiceServerSession, op: number, payload: Buffer | { transition_id: number }): void;
  /** A client's op 5, to relay to the rest of the channel. */
  speaking(session: VoiceServerSession, speaking: number): void;
  sessionById(serverId: string, sessionId: string): VoiceServerSession | undefined;
  record(payload: ReceivedVoicePayload): void;
}

function field(d: unknown, key: string): unknown {
  return typeof d === 'object' && d !== null ? (d as Record<string, unknown>)[key] : undefined;
}

const str = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

/** One client socket: its state machine from HELLO to close. */
export class VoiceGatewayConnection {
  readonly id: number;
  readonly ws: WebSocket;
  session: VoiceServerSession | null = null;
  readonly #host: VoiceProtocolHost;
  #timeout: NodeJS.Timeout | null = null;
  #closing = false;

  constructor(id: number, ws: WebSocket, host: VoiceProtocolHost) {
    this.id = id;
    this.ws = ws;
    this.#host = host;
    ws.send(JSON.stringify({ op: VoiceOpcodes.Hello, d: { heartbeat_interval: host.heartbeatIntervalMs } }));
    this.#armTimeout();
  }

  /** Closes with a documented code; a non-resumable code ends the session. */
  close(code: number, reason?: string): void {
    if (this.#closing) return;
    this.#closing = true;
    this.#clearTimeout();
    if (this.session !== null && !voiceCloseInfo(code).resumable) this.session.ended = true;
    this.ws.close(code, reason ?? voiceCloseInfo(code).reason);
  }

  /** The socket closed (either side): detach it from the session. */
  closed(): void {
    this.#closing = true;
    this.#clearTimeout();
    if (this.session !== null && this.session.ws === this.ws) this.session.ws = null;
  }

  /** Reacts to one frame, closing the socket where Discord would. */
  handle(data: Buffer, binary: boolean): void {
    if (this.#closing) return;
    const code = binary ? this.#binary(data) : this.#text(data.toString('utf8'));
    if (code !== null) this.close(code);
  }

  #binary(data: Buffer): number | null {
    // Client binary frames carry no sequence number: `op(1) | payload` (DAVE MLS key package, commit/welcome).
    if (data.length < 1) return VoiceCloseCodes.FailedToDecode;
    const op = data.readUInt8(0);
    this.#record(op, { bytes: data.length - 1 }, true);
    if (this.session === null) return VoiceCloseCodes.NotAuthenticated;
    if (op === VoiceOpcodes.DaveMlsKeyPackage || op === VoiceOpcodes.DaveMlsCommitWelcome) {
      if (this.#host.daveVersion(this.session) < 1) return null;
      this.#host.dave(this.session, op, data.subarray(1));
      return null;
    }
    return VoiceCloseCodes.UnknownOpcode;
  }

  #text(raw: string): number | null {
    let msg: unknown;
    try {
      msg = JSON.parse(raw);
    } catch {
      return VoiceCloseCodes.FailedToDecode;
    }
    const op = field(msg, 'op');
    const d = field(msg, 'd');
    if (typeof op !== 'number') return VoiceCloseCodes.FailedToDecode;
    this.#record(
      op,
      op === VoiceOpcodes.Identify || op === VoiceOpcodes.Resume
        ? { ...(d as object), token: '[redacted]' }
        : d,
      false,
    );
    if (op === VoiceOpcodes.Identify) return this.#identify(d);
    if (op === VoiceOpcodes.Resume) return this.#resume(d);
    if (op === VoiceOpcodes.Heartbeat) return this.#heartbeat(d);
    const session = this.session;
    if (session === null) return VoiceCloseCodes.NotAuthenticated;
    switch (op) {
      case VoiceOpcodes.SelectProtocol:
        return this.#selectProtocol(session, d);
      case VoiceOpcodes.Speaking: {
        const speaking = field(d, 'speaking');
        if (typeof speaking !== 'number') return VoiceCloseCodes.FailedToDecode;
        session.speaking = speaking;
        this.#host.speaking(session, speaking);
        return null;
      }
      case VoiceOpcodes.DaveTransitionReady:
      case VoiceOpcodes.DaveMlsInvalidCommitWelcome: {
        const id = field(d, 'transition_id');
        if (typeof id !== 'number') return VoiceCloseCodes.FailedToDecode;
        this.#host.dave(session, op, { transition_id: id });
        return null;
      }
      default:
        return VoiceCloseCodes.UnknownOpcode;
    }
  }

  #identify(d: unknown): number | null {
    if (this.session !== null) return VoiceCloseCodes.AlreadyAuthenticated;
    const serverId = field(d, 'server_id');
    const userId = field(d, 'user_id');
    const sessionId = field(d, 'session_id');
    const token = field(d, 'token');
    if (!str(serverId) || !str(userId) || !str(sessionId) || !str(token))
      return VoiceCloseCodes.FailedToDecode;
    const grant = this.#host.grantFor(serverId);
    if (grant === undefined) return VoiceCloseCodes.ServerNotFound;
    if (grant.token !== token || grant.userId !== userId || grant.sessionId !== sessionId) {
      return VoiceCloseCodes.AuthenticationFailed;
    }
    const dave = field(d, 'max_dave_protocol_version');
    const maxDave = typeof dave === 'number' ? dave : 0;
    if (this.#host.daveRequired && maxDave < 1) return VoiceCloseCodes.EndToEndEncryptionDAVEProtocolRequired;
    // A new IDENTIFY for the same voice session replaces the old one (a client reconnecting from scratch).
    const previous = this.#host.sessionById(serverId, sessionId);
    if (previous !== undefined) {
      previous.ended = true;
      previous.ws?.close(VoiceCloseCodes.SessionNoLongerValid, 'Session no longer valid');
    }
    const session = new VoiceServerSession(grant, this.#host.newSsrc(), maxDave);
    this.#attach(session);
    session.send(VoiceOpcodes.Ready, {
      ssrc: session.ssrc,
      ip: '127.0.0.1',
      port: this.#host.udpPort,
      modes: [...this.#host.modes],
      heartbeat_interval: this.#host.heartbeatIntervalMs,
    });
    const others = this.#host.othersIn(session);
    if (others.length > 0) session.send(VoiceOpcodes.ClientsConnect, { user_ids: others });
    this.#host.attached(session, false);
    return null;
  }

  #resume(d: unknown): number | null {
    if (this.session !== null) return VoiceCloseCodes.AlreadyAuthenticated;
    const serverId = field(d, 'server_id');
    const sessionId = field(d, 'session_id');
    const token = field(d, 'token');
    if (!str(serverId) || !str(sessionId) || !str(token)) return VoiceCloseCodes.FailedToDecode;
    const session = this.#host.sessionById(serverId, sessionId);
    if (session === undefined || session.ended) return VoiceCloseCodes.SessionNoLongerValid;
    if (session.grant.token !== token || session.grant.guildId !== serverId) {
      return VoiceCloseCodes.AuthenticationFailed;
    }
    const seqAck = field(d, 'seq_ack');
    const ack = typeof seqAck === 'number' ? seqAck : -1;
    session.ws?.close(VoiceCloseCodes.SessionNoLongerValid, 'Session resumed elsewhere');
    this.#attach(session);
    session.seqAck = ack;
    if (!session.replayAfter(ack)) return VoiceCloseCodes.SessionNoLongerValid;
    session.send(VoiceOpcodes.Resumed, null);
    this.#host.attached(session, true);
    return null;
  }

  #heartbeat(d: unknown): number | null {
    const nonce = field(d, 't');
    if (typeof nonce !== 'number') return VoiceCloseCodes.FailedToDecode;
    const seqAck = field(d, 'seq_ack');
    if (this.session !== null && typeof seqAck === 'number') this.session.seqAck = seqAck;
    this.ws.send(JSON.stringify({ op: VoiceOpcodes.HeartbeatAck, d: { t: nonce } }));
    this.#armTimeout();
    return null;
  }

  #selectProtocol(session: VoiceServerSession, d: unknown): number | null {
    if (field(d, 'protocol') !== 'udp') return VoiceCloseCodes.UnknownProtocol;
    const data = field(d, 'data');
    const address = field(data, 'address');
    const port = field(data, 'port');
    const mode = field(data, 'mode');
    if (!isVoiceEncryptionMode(mode) || !this.#host.modes.includes(mode)) {
      return VoiceCloseCodes.UnknownEncryptionMode;
    }
    if (!str(address) || typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65_535) {
      return VoiceCloseCodes.BadRequest;
    }
    session.mode = mode;
    session.secretKey = this.#host.newSecretKey(session);
    session.udp = { address, port };
    session.send(VoiceOpcodes.SessionDescription, {
      mode,
      secret_key: [...session.secretKey],
      // 0 = transport encryption only; 1 = DAVE, negotiated right after this message (op 25 onwards).
      dave_protocol_version: this.#host.daveVersion(session),
    });
    this.#host.described(session);
    return null;
  }

  #attach(session: VoiceServerSession): void {
    this.session = session;
    session.ws = this.ws;
  }

  /** A client silent for two heartbeat intervals has timed out (4009), as Discord closes idle sockets. */
  #armTimeout(): void {
    this.#clearTimeout();
    this.#timeout = setTimeout(
      () => this.close(VoiceCloseCodes.SessionTimeout),
      this.#host.heartbeatIntervalMs * 2,
    );
    this.#timeout.unref();
  }

  #clearTimeout(): void {
    if (this.#timeout !== null) clearTimeout(this.#timeout);
    this.#timeout = null;
  }

  #record(op: number, d: unknown, binary: boolean): void {
    this.#host.record({
      connection: this.id,
      session_id: this.session?.grant.sessionId ?? null,
      op,
      d,
      binary,
      at: Date.now(),
    });
  }
}
