/** The fake Discord gateway: WebSocket upgrades, sessions, dispatch helpers and scripted gateway faults. */
import type { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type {
  GatewayMessageCreateDispatchData,
  GatewayMessageDeleteDispatchData,
  GatewayMessageUpdateDispatchData,
  GatewayVoiceServerUpdateDispatchData,
  GatewayVoiceStateUpdateDispatchData,
} from 'discord-api-types/v10';
import {
  GatewayCloseCodes,
  GatewayDispatchEvents,
  GatewayOpcodes,
  MessageFlags,
} from 'discord-api-types/v10';
import { WebSocketServer } from 'ws';
import type { DiscordState } from './discord-state.ts';
import type { SendLimit } from './gateway-connection.ts';
import { DEFAULT_SEND_LIMIT, GatewayConnection } from './gateway-connection.ts';
import { forSession, messageCreateData, messageDeleteData, wantsMessages } from './gateway-dispatch-data.ts';
import type { PrivilegedIntents } from './gateway-intents.ts';
import type { GatewayEvents, ReceivedPayload, VoiceGrantRegistry } from './gateway-protocol.ts';
import { GatewayProtocol } from './gateway-protocol.ts';
import type { GatewaySession, SessionInfo } from './gateway-session.ts';
import type { SessionStartLimit } from './rest-context.ts';

/** Gateway options of `startFakeDiscord`. */
export interface GatewayOptions {
  /** op 10 HELLO's interval (default 41250 ms, as Discord sends). */
  heartbeatIntervalMs?: number;
  /** Privileged intents enabled for the application (all by default); a disabled one earns 4014. */
  privilegedIntents?: PrivilegedIntents;
  /** VOICE_SERVER_UPDATE's endpoint (default `127.0.0.1:0`, i.e. nowhere). */
  voiceEndpoint?: string;
  /** The voice server told of every grant and leave (set by `startFakeDiscord({voice})`). */
  voiceServer?: VoiceGrantRegistry;
  /** The per-connection send limit (default 120 per 60 s). */
  sendLimit?: SendLimit;
  /** IDENTIFY must ask for at least this many shards (default 1), else 4011. */
  requiredShards?: number;
  /** `session_start_limit.total` (default 1000). */
  sessionStartTotal?: number;
  /** Send MESSAGE_* for messages created, edited or deleted over REST (default true, as Discord does). */
  echoMessages?: boolean;
}

/** Which sessions an action is for: one session id, or every session. */
export type SessionTarget = string | 'all';

/** The paths the gateway answers (clients may add a trailing slash). */
export const GATEWAY_PATHS = ['/gateway', '/gateway-resume'];

/** Sessions and sockets of the fake gateway; share one HTTP server with REST via `handleUpgrade`. */
export class FakeDiscordGateway {
  readonly #protocol: GatewayProtocol;
  readonly #wss = new WebSocketServer({ noServer: true });
  readonly #connections = new Set<GatewayConnection>();
  readonly #now: () => number;
  readonly #sendLimit: SendLimit;
  #nextConnectionId = 1;

  constructor(
    state: DiscordState,
    now: () => number,
    seed: string,
    baseUrl: () => string,
    options: GatewayOptions = {},
  ) {
    this.#now = now;
    this.#sendLimit = options.sendLimit ?? DEFAULT_SEND_LIMIT;
    this.#protocol = new GatewayProtocol({
      state,
      now,
      seed,
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? 41_250,
      privilegedIntents: options.privilegedIntents ?? {},
      requiredShards: options.requiredShards ?? 1,
      voiceEndpoint: options.voiceEndpoint ?? '127.0.0.1:0',
      voiceServer: options.voiceServer,
      sessionStartTotal: options.sessionStartTotal ?? 1000,
      resumeUrl: () => `${baseUrl()}/gateway-resume`,
    });
    if (options.echoMessages !== false) this.#echo(state);
  }

  /** Connections, payloads, READY/RESUMED and disconnects as they happen: await these, never sleep. */
  get events(): EventEmitter<GatewayEvents> {
    return this.#protocol;
  }

  /** Takes over an HTTP upgrade on a gateway path; answers false for other paths. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname.replace(/\/$/, '') || '/';
    if (!GATEWAY_PATHS.includes(path)) return false;
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      const conn = new GatewayConnection(this.#nextConnectionId++, path, ws, this.#now, this.#sendLimit);
      this.#connections.add(conn);
      ws.on('message', (data) => this.#protocol.handle(conn, data.toString()));
      ws.on('close', (code) => this.#closed(conn, code));
      this.#protocol.emit('connection', conn.id);
      const version = url.searchParams.get('v');
      const encoding = url.searchParams.get('encoding');
      if (version !== null && version !== '10')
        return this.#protocol.close(conn, GatewayCloseCodes.InvalidAPIVersion);
      // The fake speaks plain JSON only: ETF and zlib-stream clients are refused rather than garbled.
      if ((encoding !== null && encoding !== 'json') || url.searchParams.has('compress')) {
        return this.#protocol.close(conn, GatewayCloseCodes.DecodeError);
      }
      this.#protocol.hello(conn);
    });
    return true;
  }

  /** Every session, connected or waiting to be resumed. */
  sessions(): SessionInfo[] {
    return [...this.#protocol.sessions.values()].map((s) => s.info());
  }

  /** Payloads the client sent (tokens redacted), for one session or all. */
  received(sessionId?: string): ReceivedPayload[] {
    return this.#protocol.received.filter((p) => sessionId === undefined || p.session_id === sessionId);
  }

  /** Sends (or queues, while the client is away) a DISPATCH; answers the sequence numbers used. */
  dispatch(target: SessionTarget, event: string, data: unknown): number[] {
    return this.#sessions(target).map((s) => s.dispatch(event, data).s);
  }

  /** MESSAGE_CREATE to sessions with the message intent, blanked for those without MESSAGE_CONTENT. */
  messageCreate(target: SessionTarget, data: GatewayMessageCreateDispatchData): number[] {
    return this.#sessions(target)
      .filter((s) => wantsMessages(s, data.guild_id))
      .map((s) => s.dispatch(GatewayDispatchEvents.MessageCreate, forSession(s, data)).s);
  }

  /** MESSAGE_UPDATE, filtered like MESSAGE_CREATE. */
  messageUpdate(target: SessionTarget, data: GatewayMessageUpdateDispatchData): number[] {
    return this.#sessions(target)
      .filter((s) => wantsMessages(s, data.guild_id))
      .map((s) => s.dispatch(GatewayDispatchEvents.MessageUpdate, forSession(s, data)).s);
  }

  /** MESSAGE_DELETE to sessions with the message intent. */
  messageDelete(target: SessionTarget, data: GatewayMessageDeleteDispatchData): number[] {
    return this.#sessions(target)
      .filter((s) => wantsMessages(s, data.guild_id))
      .map((s) => s.dispatch(GatewayDispatchEvents.MessageDelete, data).s);
  }

  /** VOICE_STATE_UPDATE. */
  voiceStateUpdate(target: SessionTarget, data: GatewayVoiceStateUpdateDispatchData): number[] {
    return this.dispatch(target, GatewayDispatchEvents.VoiceStateUpdate, data);
  }

  /** VOICE_SERVER_UPDATE. */
  voiceServerUpdate(target: SessionTarget, data: GatewayVoiceServerUpdateDispatchData): number[] {
    return this.dispatch(target, GatewayDispatchEvents.VoiceServerUpdate, data);
  }

  /** Sends op 7 RECONNECT (the client should reconnect and RESUME). */
  reconnect(target: SessionTarget): void {
    for (const conn of this.#targets(target)) conn.send({ op: GatewayOpcodes.Reconnect, d: null });
  }

  /** Sends op 9 INVALID_SESSION; `resumable: false` also ends the session. */
  invalidSession(target: SessionTarget, resumable: boolean): void {
    for (const conn of this.#targets(target)) {
      if (!resumable && conn.session !== null) conn.session.invalidated = true;
      conn.send({ op: GatewayOpcodes.InvalidSession, d: resumable });
    }
  }

  /** Sends op 1: Discord may ask for a heartbeat at any time. */
  requestHeartbeat(target: SessionTarget): void {
    for (const conn of this.#targets(target))
      conn.send({ op: GatewayOpcodes.Heartbeat, d: conn.session?.seq ?? null });
  }

  /** Closes with a code (Discord's reason unless given); non-resumable codes end the session. */
  close(target: SessionTarget, code: number, reason?: string): void {
    for (const conn of this.#targets(target)) this.#protocol.close(conn, code, reason);
  }

  /** Closes with no status code at all. */
  closeWithoutCode(target: SessionTarget): void {
    for (const conn of this.#targets(target)) conn.closeWithoutCode();
  }

  /** Destroys the TCP connection without a close frame. */
  drop(target: SessionTarget): void {
    for (const conn of this.#targets(target)) conn.drop();
  }

  /** Leaves the next `count` heartbeats unanswered (a zombie connection). */
  withholdHeartbeatAcks(target: SessionTarget, count = Number.POSITIVE_INFINITY): void {
    for (const conn of this.#targets(target)) conn.withheldAcks = count;
  }

  /** Ends a session as if it had expired: RESUME then gets op 9 `d:false`. */
  expireSession(sessionId: string): void {
    const session = this.#protocol.sessions.get(sessionId);
    if (session !== undefined) session.invalidated = true;
  }

  /** `session_start_limit` as GET /gateway/bot reports it. */
  sessionStartLimit(botUserId: string): SessionStartLimit {
    return this.#protocol.sessionStartLimit(botUserId);
  }

  /** Drops every socket and closes the WebSocket server. */
  async stop(): Promise<void> {
    for (const conn of this.#connections) conn.drop();
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
  }

  #sessions(target: SessionTarget): GatewaySession[] {
    const all = [...this.#protocol.sessions.values()];
    return target === 'all' ? all.filter((s) => !s.invalidated) : all.filter((s) => s.id === target);
  }

  /** Open connections for a target; `all` includes connections that have not identified yet. */
  #targets(target: SessionTarget): GatewayConnection[] {
    return [...this.#connections].filter((c) => c.isOpen() && (target === 'all' || c.session?.id === target));
  }

  #closed(conn: GatewayConnection, code: number): void {
    this.#connections.delete(conn);
    const session = conn.session;
    if (session !== null && session.connection === conn) {
      session.connection = null;
      // A client closing with 1000/1001 ends its session (Discord will not resume it).
      if (!conn.closedByServer && (code === 1000 || code === 1001)) session.invalidated = true;
    }
    const by = conn.closedByServer ? 'server' : 'client';
    this.#protocol.emit('disconnect', { connection_id: conn.id, session_id: session?.id ?? null, code, by });
  }

  #echo(state: DiscordState): void {
    // Ephemeral interaction responses are only shown to their user; the bot gets no event for them.
    const visible = (flags: number | undefined) => ((flags ?? 0) & MessageFlags.Ephemeral) === 0;
    state.on('messageCreate', (message, guildId) => {
      if (visible(message.flags)) this.messageCreate('all', messageCreateData(message, guildId));
    });
    state.on('messageUpdate', (message, guildId) => {
      if (visible(message.flags)) this.messageUpdate('all', messageCreateData(message, guildId));
    });
    state.on('messageDelete', (d) =>
      this.messageDelete('all', messageDeleteData(d.id, d.channel_id, d.guild_id)),
    );
  }
}
