/**
 * A protocol-faithful fake Discord voice server on loopback: the voice gateway v8 over TLS (a test CA,
 * because @discordjs/voice always dials `wss://`) and one UDP socket for IP discovery, keep-alives and
 * RTP in both rtpsize AEAD modes. Fake people join its channels and speak or listen; the bots' audio is
 * decrypted and handed to them, theirs is encrypted per receiving client. Faults on demand: media loss,
 * reordering, duplicates and jitter; a crash (4015, resumable); forced disconnects with any close code;
 * people joining and leaving mid-call; with DAVE, a person without DAVE joining (a downgrade to protocol
 * version 0) and leaving again (the upgrade back).
 */
import { createHash } from 'node:crypto';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { VoiceCloseCodes, VoiceOpcodes } from 'discord-api-types/voice/v8';
import { WebSocketServer } from 'ws';
import { DaveExternalSender } from './dave-external-sender.ts';
import { DaveGroupRelay, type DaveMemberLink } from './dave-group-relay.ts';
import { meterFakeCpu } from './fake-cpu-meter.ts';
import { FakeDaveParticipant } from './fake-dave-participant.ts';
import { FakeVoicePerson, type PersonLink } from './fake-voice-person.ts';
import {
  type ReceivedVoicePayload,
  VoiceGatewayConnection,
  type VoiceProtocolHost,
} from './voice-gateway-protocol.ts';
import { ipDiscoveryResponse, parseIpDiscoveryRequest } from './voice-ip-discovery.ts';
import { type MediaFaultSettings, MediaFaults } from './voice-media-faults.ts';
import type { VoiceGrant, VoiceServerSession } from './voice-server-session.ts';
import { createVoiceTestCa, type VoiceTestCa } from './voice-test-ca.ts';
import {
  openRtp,
  opusPayload,
  sealRtp,
  VOICE_ENCRYPTION_MODES,
  VoiceDecryptError,
  type VoiceEncryptionMode,
} from './voice-transport-crypto.ts';

/** Options of `startFakeVoiceServer`. */
export interface FakeVoiceServerOptions {
  /** op 8 HELLO's interval (default 13750 ms, what Discord sends); a client silent for twice it gets 4009. */
  heartbeatIntervalMs?: number;
  /** Modes offered in READY (default both, AES-GCM first). */
  modes?: readonly VoiceEncryptionMode[];
  /** Refuse clients without DAVE (4017). Off by default. */
  daveRequired?: boolean;
  /**
   * Run DAVE (protocol version 1) with every client that offers it and give each person a DAVE identity:
   * the server is the MLS external sender and media is end-to-end encrypted. Off by default.
   */
  dave?: boolean;
  /** Seeds SSRCs and keys. */
  seed?: string;
}

/** What the server reports as it happens: await these instead of sleeping. */
export interface FakeVoiceServerEvents {
  attached: [session: VoiceServerSession, resumed: boolean];
  described: [session: VoiceServerSession];
  ipDiscovery: [ssrc: number, from: RemoteInfo];
  /** Audio a client sent, after transport decryption. */
  audio: [session: VoiceServerSession, seq: number, timestamp: number, opus: Buffer];
  decryptFailure: [ssrc: number];
  closed: [sessionId: string | null, code: number];
  payload: [payload: ReceivedVoicePayload];
}

const RTP_OPUS = 0x78;

/** A bot's voice session id is its gateway session id, the same in every guild: sessions are per guild. */
const sessionKey = (guildId: string, sessionId: string) => `${guildId}:${sessionId}`;

/** The running fake voice server. */
export class FakeVoiceServer extends EventEmitter<FakeVoiceServerEvents> {
  readonly ca: VoiceTestCa;
  readonly received: ReceivedVoicePayload[] = [];
  readonly faults = new MediaFaults();
  /** Client packets that did not authenticate (wrong key, tampering). */
  decryptFailures = 0;
  readonly #o: Required<FakeVoiceServerOptions>;
  readonly #https: Server;
  readonly #wss: WebSocketServer;
  readonly #udp: Socket;
  readonly #grants = new Map<string, VoiceGrant>();
  readonly #sessions = new Map<string, VoiceServerSession>();
  readonly #connections = new Set<VoiceGatewayConnection>();
  readonly #people = new Map<string, { person: FakeVoicePerson; guildId: string; dave: boolean }>();
  readonly #daveSender = new DaveExternalSender();
  readonly #daveGroups = new Map<string, DaveGroupRelay>();
  #nextConnection = 1;
  #nextSsrc = 1;
  #keys = 0;

  private constructor(o: Required<FakeVoiceServerOptions>, ca: VoiceTestCa) {
    super();
    this.#o = o;
    this.ca = ca;
    this.#https = createServer({ key: ca.keyPem, cert: ca.certPem });
    this.#wss = new WebSocketServer({ server: this.#https });
    this.#udp = createSocket('udp4');
  }

  /** Starts both sockets on 127.0.0.1 (ephemeral ports). */
  static async start(options: FakeVoiceServerOptions = {}): Promise<FakeVoiceServer> {
    const server = new FakeVoiceServer(
      {
        heartbeatIntervalMs: options.heartbeatIntervalMs ?? 13_750,
        modes: options.modes ?? VOICE_ENCRYPTION_MODES,
        daveRequired: options.daveRequired ?? false,
        dave: options.dave ?? false,
        seed: options.seed ?? 'fake-voice',
      },
      createVoiceTestCa(),
    );
    await server.#listen();
    return server;
  }

  /** `host:port` as VOICE_SERVER_UPDATE's `endpoint`. */
  get endpoint(): string {
    return `127.0.0.1:${(this.#https.address() as AddressInfo).port}`;
  }

  get udpPort(): number {
    return this.#udp.address().port;
  }

  /** Registers what the main gateway handed out in VOICE_SERVER_UPDATE (one grant per guild, the latest wins). */
  grant(grant: VoiceGrant): void {
    this.#grants.set(grant.guildId, grant);
  }

  /** Live (not ended) sessions. */
  sessions(): VoiceServerSession[] {
    return [...this.#sessions.values()].filter((s) => !s.ended);
  }

  /** A session by its voice session id (the bot's gateway session id; one per guild it is in). */
  session(sessionId: string, guildId?: string): VoiceServerSession | undefined {
    return [...this.#sessions.values()].find(
      (s) => s.grant.sessionId === sessionId && (guildId === undefined || s.grant.guildId === guildId),
    );
  }

  /**
   * The user left the voice channel (the main gateway's op 4 with `channel_id: null`): their session ends,
   * the grant is withdrawn and the rest of the channel gets CLIENT_DISCONNECT.
   */
  endSession(guildId: string, userId: string): void {
    const g = this.#grants.get(guildId);
    if (g?.userId === userId) this.#grants.delete(guildId);
    for (const s of this.#inGuild(guildId)) {
      if (s.grant.userId !== userId) continue;
      s.ended = true;
      this.#daveGroups.get(guildId)?.leave(userId);
      s.ws?.close(VoiceCloseCodes.Disconnected, 'Disconnected');
      for (const o of this.#inGuild(guildId)) o.send(VoiceOpcodes.ClientDisconnect, { user_id: userId });
    }
  }

  /**
   * Adds a person to `guildId`'s voice channel; connected clients get CLIENTS_CONNECT. `dave: false` is a
   * person whose client has no DAVE: a DAVE channel downgrades to protocol version 0 for them (ops 21/22).
   */
  join(guildId: string, userId: string, options: { ssrc?: number; dave?: boolean } = {}): FakeVoicePerson {
    const person = new FakeVoicePerson(userId, options.ssrc ?? this.#newSsrc());
    const dave = options.dave !== false;
    this.#people.set(userId, { person, guildId, dave });
    person.attach(this.#linkFor(guildId));
    for (const s of this.#inGuild(guildId)) s.send(VoiceOpcodes.ClientsConnect, { user_ids: [userId] });
    const group = this.#daveGroups.get(guildId);
    if (group !== undefined && dave) this.#enrol(group, guildId, person);
    else if (group !== undefined) group.downgrade();
    return person;
  }

  /** Removes a person; connected clients get CLIENT_DISCONNECT. */
  leave(userId: string): void {
    const entry = this.#people.get(userId);
    if (entry === undefined) return;
    this.#people.delete(userId);
    entry.person.attach(null);
    const group = this.#daveGroups.get(entry.guildId);
    group?.leave(userId);
    for (const s of this.#inGuild(entry.guildId)) s.send(VoiceOpcodes.ClientDisconnect, { user_id: userId });
    // The last member without DAVE left: the channel goes back to DAVE (op 24, a new group).
    if (!entry.dave && ![...this.#people.values()].some((p) => p.guildId === entry.guildId && !p.dave))
      group?.upgrade();
  }

  /** People in `guildId`'s channel. */
  people(guildId: string): FakeVoicePerson[] {
    return [...this.#people.values()].filter((p) => p.guildId === guildId).map((p) => p.person);
  }

  /** "The voice server crashed": every socket (or one session's) closes with 4015; sessions stay resumable. */
  crash(sessionId?: string): void {
    for (const c of this.#connections) {
      if (sessionId === undefined || c.session?.grant.sessionId === sessionId) {
        c.close(VoiceCloseCodes.VoiceServerCrashed);
      }
    }
  }

  /** Closes a session's socket with `code` (4014 kicked, 4006 invalid, 4022 call terminated, ...). */
  disconnect(sessionId: string, code: number): void {
    for (const c of this.#connections) if (c.session?.grant.sessionId === sessionId) c.close(code);
    if (code === VoiceCloseCodes.VoiceServerCrashed) return;
    for (const s of this.#sessions.values()) {
      if (s.grant.sessionId !== sessionId) continue;
      s.ended = true;
      this.#daveGroups.get(s.grant.guildId)?.leave(s.grant.userId);
    }
  }

  /** Media faults on what the server sends to clients. */
  setFaults(settings: MediaFaultSettings): void {
    this.faults.set(settings);
  }

  async stop(): Promise<void> {
    this.faults.clear();
    for (const c of this.#connections) c.ws.terminate();
    await new Promise<void>((r) => this.#wss.close(() => r()));
    await new Promise<void>((r) => this.#https.close(() => r()));
    await new Promise<void>((r) => this.#udp.close(() => r()));
    this.ca.remove();
  }

  async #listen(): Promise<void> {
    this.#wss.on('connection', (ws, req) => {
      const v = new URL(req.url ?? '/', 'https://127.0.0.1').searchParams.get('v');
      const host = this.#protocolHost();
      const conn = new VoiceGatewayConnection(this.#nextConnection++, ws, host);
      this.#connections.add(conn);
      // Only gateway v8 is implemented here (buffered resume, seq_ack).
      if (v !== '8') conn.close(VoiceCloseCodes.BadRequest, 'only ?v=8 is supported by this fake');
      ws.on('message', (data, binary) => conn.handle(data as Buffer, binary));
      ws.on('close', (code) => {
        conn.closed();
        this.#connections.delete(conn);
        // A closed socket does not end the voice session: leaving is the main gateway's op 4 (`endSession`).
        this.emit('closed', conn.session?.grant.sessionId ?? null, code);
      });
    });
    this.#udp.on('message', (msg, rinfo) => meterFakeCpu(() => this.#onUdp(msg, rinfo)));
    await new Promise<void>((resolve, reject) => {
      this.#https.once('error', reject);
      this.#https.listen(0, '127.0.0.1', () => resolve());
    });
    await new Promise<void>((resolve, reject) => {
      this.#udp.once('error', reject);
      this.#udp.bind(0, '127.0.0.1', () => resolve());
    });
  }

  #protocolHost(): VoiceProtocolHost {
    return {
      heartbeatIntervalMs: this.#o.heartbeatIntervalMs,
      udpPort: this.udpPort,
      modes: this.#o.modes,
      daveRequired: this.#o.daveRequired,
      grantFor: (serverId) => this.#grants.get(serverId),
      newSsrc: () => this.#newSsrc(),
      newSecretKey: (s) =>
        createHash('sha256')
          .update(`${this.#o.seed}:key:${s.grant.sessionId}:${this.#keys++}`)
          .digest(),
      othersIn: (s) => [
        ...this.people(s.grant.guildId).map((p) => p.userId),
        ...this.#inGuild(s.grant.guildId)
          .filter((o) => o !== s)
          .map((o) => o.grant.userId),
      ],
      attached: (s, resumed) => {
        this.#sessions.set(sessionKey(s.grant.guildId, s.grant.sessionId), s);
        this.emit('attached', s, resumed);
      },
      described: (s) => {
        // Late joiners learn every known sender's SSRC, as Discord sends op 5 for active speakers.
        for (const p of this.people(s.grant.guildId)) {
          s.send(VoiceOpcodes.Speaking, { user_id: p.userId, ssrc: p.ssrc, speaking: 0 });
        }
        // A DAVE client joins the group's links even at version 0: the upgrade's op 24 reaches it.
        if (this.#daveCapable(s)) this.#daveJoin(s);
        this.emit('described', s);
      },
      daveVersion: (s) => this.#daveVersion(s),
      dave: (s, op, payload) => this.#daveMessage(s, op, payload),
      speaking: (s, speaking) => {
        for (const o of this.#inGuild(s.grant.guildId)) {
          if (o !== s) o.send(VoiceOpcodes.Speaking, { user_id: s.grant.userId, ssrc: s.ssrc, speaking });
        }
      },
      sessionById: (serverId, id) => this.#sessions.get(sessionKey(serverId, id)),
      record: (p) => {
        this.received.push(p);
        this.emit('payload', p);
      },
    };
  }

  #onUdp(msg: Buffer, rinfo: RemoteInfo): void {
    const discovery = parseIpDiscoveryRequest(msg);
    if (discovery !== null) {
      this.emit('ipDiscovery', discovery, rinfo);
      this.#udp.send(ipDiscoveryResponse(discovery, rinfo.address, rinfo.port), rinfo.port, rinfo.address);
      return;
    }
    // @discordjs/voice's 8-byte keep-alive: echoed, as Discord does.
    if (msg.length === 8) {
      this.#udp.send(msg, rinfo.port, rinfo.address);
      return;
    }
    if (msg.length < 12 || msg[0]! >> 6 !== 2 || (msg[1]! & 0x7f) !== RTP_OPUS) return;
    const ssrc = msg.readUInt32BE(8);
    const from = this.sessions().find((s) => s.ssrc === ssrc);
    if (from === undefined || from.mode === null || from.secretKey === null) return;
    let opus: Buffer;
    try {
      opus = opusPayload(openRtp(from.mode, from.secretKey, msg));
    } catch (e) {
      if (!(e instanceof VoiceDecryptError)) throw e;
      this.decryptFailures += 1;
      this.emit('decryptFailure', ssrc);
      return;
    }
    const seq = msg.readUInt16BE(2);
    const timestamp = msg.readUInt32BE(4);
    this.#daveGroups.get(from.grant.guildId)?.mediaFrame(from.grant.userId, opus);
    this.emit('audio', from, seq, timestamp, opus);
    for (const p of this.people(from.grant.guildId)) p.hear(from.grant.userId, seq, timestamp, opus);
    const header = msg.subarray(0, 12);
    for (const to of this.#inGuild(from.grant.guildId))
      if (to !== from) this.#sendMedia(to, header, opus, `${ssrc}`);
  }

  #linkFor(guildId: string): PersonLink {
    return {
      speaking: (person, speaking) => {
        for (const s of this.#inGuild(guildId)) {
          s.send(VoiceOpcodes.Speaking, {
            user_id: person.userId,
            ssrc: person.ssrc,
            speaking: speaking ? 1 : 0,
          });
        }
      },
      media: (person, header, opus) => {
        this.#daveGroups.get(guildId)?.mediaFrame(person.userId, opus);
        for (const s of this.#inGuild(guildId)) this.#sendMedia(s, header, opus, `${person.ssrc}`);
      },
      flush: (person) => {
        for (const s of this.#inGuild(guildId)) this.faults.flush(`${person.ssrc}>${s.ssrc}`);
      },
    };
  }

  /** Encrypts for one receiving client (its own key and nonce counter) and sends through the faults. */
  #sendMedia(to: VoiceServerSession, header: Buffer, opus: Buffer, sender: string): void {
    if (to.mode === null || to.secretKey === null || to.udp === null) return;
    const packet = sealRtp(to.mode, to.secretKey, header, opus, to.outCounter);
    to.outCounter = (to.outCounter + 1) >>> 0;
    const { address, port } = to.udp;
    this.faults.apply(`${sender}>${to.ssrc}`, packet, (p) => this.#udp.send(p, port, address));
  }

  /** The channel's DAVE group (per guild: one voice channel per guild here), if DAVE runs there. */
  daveGroup(guildId: string): DaveGroupRelay | undefined {
    return this.#daveGroups.get(guildId);
  }

  /** Epoch changes across every channel (each announced commit). */
  get daveEpochChanges(): number {
    let n = 0;
    for (const g of this.#daveGroups.values()) n += g.epochChanges;
    return n;
  }

  /** The DAVE version the client runs now: 0 without DAVE, or while its channel is downgraded. */
  #daveVersion(s: VoiceServerSession): number {
    if (!this.#daveCapable(s)) return 0;
    return this.#daveGroups.get(s.grant.guildId)?.protocolVersion ?? 1;
  }

  #daveCapable(s: VoiceServerSession): boolean {
    return this.#o.dave && s.maxDaveProtocolVersion >= 1;
  }

  /** A client negotiated DAVE: the channel's group (created with the first one) takes it and every person in. */
  #daveJoin(s: VoiceServerSession): void {
    const { guildId, channelId } = s.grant;
    let group = this.#daveGroups.get(guildId);
    if (group === undefined) {
      group = new DaveGroupRelay(channelId, this.#daveSender);
      this.#daveGroups.set(guildId, group);
      for (const p of this.people(guildId)) this.#enrol(group, guildId, p);
    }
    group.join(sessionDaveLink(s));
  }

  #daveMessage(s: VoiceServerSession, op: number, payload: Buffer | { transition_id: number }): void {
    const group = this.#daveGroups.get(s.grant.guildId);
    if (group === undefined) return;
    const userId = s.grant.userId;
    if (!('transition_id' in payload)) {
      if (op === VoiceOpcodes.DaveMlsKeyPackage) group.keyPackage(userId, payload);
      else if (op === VoiceOpcodes.DaveMlsCommitWelcome) group.commitWelcome(userId, payload);
    } else if (op === VoiceOpcodes.DaveTransitionReady) {
      group.transitionReady(userId, payload.transition_id);
    }
    // op 31 (invalid commit/welcome) needs nothing: the client re-initialises and sends a new key package.
  }

  /** Gives a person a DAVE identity in `group`; its replies arrive a turn later, as over a socket. */
  #enrol(group: DaveGroupRelay, guildId: string, person: FakeVoicePerson): void {
    const later = (f: () => void) => setImmediate(() => meterFakeCpu(f));
    const participant = new FakeDaveParticipant(person.userId, group.channelId, {
      keyPackage: (u, kp) => later(() => group.keyPackage(u, kp)),
      commitWelcome: (u, p) => later(() => group.commitWelcome(u, p)),
      transitionReady: (u, id) => later(() => group.transitionReady(u, id)),
      recognizedUserIds: () => [
        ...this.people(guildId).map((p) => p.userId),
        ...this.#inGuild(guildId).map((o) => o.grant.userId),
      ],
    });
    person.dave = participant;
    group.join(participant);
  }

  #inGuild(guildId: string): VoiceServerSession[] {
    return this.sessions().filter((s) => s.grant.guildId === guildId);
  }

  #newSsrc(): number {
    const n = this.#nextSsrc++;
    return createHash('sha256').update(`${this.#o.seed}:ssrc:${n}`).digest().readUInt32BE(0) || n;
  }
}

function transitionPayload(transitionId: number, body: Buffer): Buffer {
  const b = Buffer.alloc(2 + body.length);
  b.writeUInt16BE(transitionId);
  body.copy(b, 2);
  return b;
}

/** The relay's view of a client: DAVE messages over its voice gateway session (numbered, so resumable). */
function sessionDaveLink(s: VoiceServerSession): DaveMemberLink {
  return {
    userId: s.grant.userId,
    externalSender: (pkg) => s.sendBinary(VoiceOpcodes.DaveMlsExternalSender, pkg),
    proposals: (payload) => s.sendBinary(VoiceOpcodes.DaveMlsProposals, payload),
    announceCommit: (id, commit) =>
      s.sendBinary(VoiceOpcodes.DaveMlsAnnounceCommitTransition, transitionPayload(id, commit)),
    welcome: (id, welcome) => s.sendBinary(VoiceOpcodes.DaveMlsWelcome, transitionPayload(id, welcome)),
    executeTransition: (id) => s.send(VoiceOpcodes.DaveExecuteTransition, { transition_id: id }),
    prepareTransition: (id, version) =>
      s.send(VoiceOpcodes.DavePrepareTransition, { transition_id: id, protocol_version: version }),
    prepareEpoch: (epoch, version) =>
      s.send(VoiceOpcodes.DavePrepareEpoch, { epoch, protocol_version: version }),
  };
}
