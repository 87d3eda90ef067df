/**
 * The server half of Gateway v10 (JSON): HELLO, IDENTIFY → READY, RESUME → replay + RESUMED,
 * HEARTBEAT → ACK, and VOICE_STATE_UPDATE → voice state + server updates
 * (https://discord.com/developers/docs/events/gateway).
 */
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { GatewayCloseCodes, GatewayDispatchEvents, GatewayOpcodes } from 'discord-api-types/v10';
import type { DiscordState } from './discord-state.ts';
import { closeCodeInfo } from './gateway-close-codes.ts';
import type { GatewayConnection } from './gateway-connection.ts';
import { voiceServerData, voiceStateData } from './gateway-dispatch-data.ts';
import type { PrivilegedIntents } from './gateway-intents.ts';
import { intentsCloseCode } from './gateway-intents.ts';
import type { SessionInfo } from './gateway-session.ts';
import { GatewaySession } from './gateway-session.ts';
import type { BotIdentity } from './message-factory.ts';
import { botUser } from './message-factory.ts';
import type { SessionStartLimit } from './rest-context.ts';

/** A payload the client sent, with tokens redacted. */
export interface ReceivedPayload {
  connection_id: number;
  session_id: string | null;
  op: number;
  d: unknown;
  at: number;
}

/** What the gateway reports as it happens, so tests can await it instead of sleeping. */
export interface GatewayEvents {
  connection: [connectionId: number];
  payload: [payload: ReceivedPayload];
  ready: [session: SessionInfo];
  resumed: [session: SessionInfo];
  disconnect: [
    info: { connection_id: number; session_id: string | null; code: number; by: 'client' | 'server' },
  ];
}

/** The voice server's side of op 4: it accepts IDENTIFY only for what the gateway granted. */
export interface VoiceGrantRegistry {
  grant(grant: {
    guildId: string;
    channelId: string;
    userId: string;
    sessionId: string;
    token: string;
  }): void;
  endSession(guildId: string, userId: string): void;
}

/** Gateway behaviour settings. */
export interface GatewayProtocolOptions {
  state: DiscordState;
  now: () => number;
  seed: string;
  heartbeatIntervalMs: number;
  privilegedIntents: PrivilegedIntents;
  /** IDENTIFY must ask for at least this many shards, else 4011. */
  requiredShards: number;
  /** The `endpoint` of VOICE_SERVER_UPDATE. */
  voiceEndpoint: string;
  voiceServer?: VoiceGrantRegistry | undefined;
  /** Session starts per bot per day (`session_start_limit.total`). */
  sessionStartTotal: number;
  resumeUrl: () => string;
}

const DAY_MS = 86_400_000;

function field(d: unknown, key: string): unknown {
  return typeof d === 'object' && d !== null ? (d as Record<string, unknown>)[key] : undefined;
}

function redact(op: number, d: unknown): unknown {
  if (
    (op === GatewayOpcodes.Identify || op === GatewayOpcodes.Resume) &&
    typeof d === 'object' &&
    d !== null
  ) {
    return { ...d, token: '[redacted]' };
  }
  return d;
}

/** Session bookkeeping and the reaction to every client opcode. */
export class GatewayProtocol extends EventEmitter<GatewayEvents> {
  readonly sessions = new Map<string, GatewaySession>();
  readonly received: ReceivedPayload[] = [];
  readonly #o: GatewayProtocolOptions;
  readonly #starts = new Map<string, { used: number; resetAt: number }>();
  #sessionCount = 0;

  constructor(options: GatewayProtocolOptions) {
    super();
    this.#o = options;
  }

  /** Sends op 10 HELLO, the first thing Discord says on a new socket. */
  hello(conn: GatewayConnection): void {
    conn.send({ op: GatewayOpcodes.Hello, d: { heartbeat_interval: this.#o.heartbeatIntervalMs } });
  }

  /** Closes with a documented code; a non-resumable code also ends the session. */
  close(conn: GatewayConnection, code: number, reason?: string): void {
    if (!closeCodeInfo(code).resumable && conn.session !== null) conn.session.invalidated = true;
    conn.close(code, reason ?? closeCodeInfo(code).reason);
  }

  /** Reacts to one frame from the client, closing the socket where Discord would. */
  handle(conn: GatewayConnection, raw: string): void {
    const code = this.#react(conn, raw);
    if (code !== null) this.close(conn, code);
  }

  /** `session_start_limit` for a bot: identifies left in the current 24-hour window. */
  sessionStartLimit(botUserId: string): SessionStartLimit {
    const now = this.#o.now();
    let starts = this.#starts.get(botUserId);
    if (starts === undefined || now >= starts.resetAt) {
      starts = { used: 0, resetAt: now + DAY_MS };
      this.#starts.set(botUserId, starts);
    }
    return {
      total: this.#o.sessionStartTotal,
      remaining: Math.max(0, this.#o.sessionStartTotal - starts.used),
      reset_after: starts.resetAt - now,
      max_concurrency: 1,
    };
  }

  /** Handles a frame; answers the close code it earns, or null. */
  #react(conn: GatewayConnection, raw: string): number | null {
    if (!conn.countInbound()) return GatewayCloseCodes.RateLimited;
    let payload: unknown;
    try {
      payload = JSON.parse(raw);
    } catch {
      return GatewayCloseCodes.DecodeError;
    }
    const op = field(payload, 'op');
    const d = field(payload, 'd');
    if (typeof op !== 'number') return GatewayCloseCodes.DecodeError;
    const entry = {
      connection_id: conn.id,
      session_id: conn.session?.id ?? null,
      op,
      d: redact(op, d),
      at: this.#o.now(),
    };
    this.received.push(entry);
    this.emit('payload', entry);
    switch (op) {
      case GatewayOpcodes.Heartbeat:
        this.#heartbeat(conn);
        return null;
      case GatewayOpcodes.Identify:
        return this.#identify(conn, d);
      case GatewayOpcodes.Resume:
        return this.#resume(conn, d);
      case GatewayOpcodes.VoiceStateUpdate:
      case GatewayOpcodes.PresenceUpdate:
      case GatewayOpcodes.RequestGuildMembers:
      case GatewayOpcodes.RequestSoundboardSounds:
        if (conn.session === null) return GatewayCloseCodes.NotAuthenticated;
        if (op === GatewayOpcodes.VoiceStateUpdate) this.#voiceState(conn.session, d);
        return null;
      default:
        return GatewayCloseCodes.UnknownOpcode;
    }
  }

  #heartbeat(conn: GatewayConnection): void {
    if (conn.withheldAcks > 0) {
      conn.withheldAcks -= 1;
      return;
    }
    conn.send({ op: GatewayOpcodes.HeartbeatAck, d: null });
  }

  /** What an IDENTIFY asks for, or the close code Discord gives it. */
  #checkIdentify(d: unknown): number | { bot: BotIdentity; intents: number; shard: [number, number] } {
    const bot = this.#botFor(field(d, 'token'));
    if (bot === undefined) return GatewayCloseCodes.AuthenticationFailed;
    const intents = field(d, 'intents');
    const intentsCode = intentsCloseCode(intents, this.#o.privilegedIntents);
    if (intentsCode !== null) return intentsCode;
    const shard: unknown = field(d, 'shard') ?? [0, 1];
    const [id, count]: unknown[] = Array.isArray(shard) ? shard : [];
    if (
      typeof id !== 'number' ||
      typeof count !== 'number' ||
      !Number.isInteger(id) ||
      id < 0 ||
      id >= count
    ) {
      return GatewayCloseCodes.InvalidShard;
    }
    if (count < this.#o.requiredShards) return GatewayCloseCodes.ShardingRequired;
    return { bot, intents: intents as number, shard: [id, count] };
  }

  #identify(conn: GatewayConnection, d: unknown): number | null {
    if (conn.session !== null) return GatewayCloseCodes.AlreadyAuthenticated;
    const identify = this.#checkIdentify(d);
    if (typeof identify === 'number') return identify;
    const { bot, intents, shard } = identify;
    this.sessionStartLimit(bot.botUserId);
    const starts = this.#starts.get(bot.botUserId);
    if (starts !== undefined) starts.used += 1;
    this.#sessionCount += 1;
    const id = createHash('sha256')
      .update(`${this.#o.seed}:session:${this.#sessionCount}`)
      .digest('hex')
      .slice(0, 32);
    const session = new GatewaySession(id, bot, intents, shard);
    this.sessions.set(id, session);
    this.#attach(conn, session);
    const guilds = [...new Set(this.#o.state.channels.all().map((c) => c.guildId))];
    session.dispatch(GatewayDispatchEvents.Ready, {
      v: 10,
      user: botUser(bot),
      guilds: guilds.map((g) => ({ id: g, unavailable: true })),
      session_id: id,
      resume_gateway_url: this.#o.resumeUrl(),
      shard,
      application: { id: bot.applicationId, flags: 0 },
    });
    this.emit('ready', session.info());
    return null;
  }

  #resume(conn: GatewayConnection, d: unknown): number | null {
    const bot = this.#botFor(field(d, 'token'));
    if (bot === undefined) return GatewayCloseCodes.AuthenticationFailed;
    const session = this.sessions.get(String(field(d, 'session_id')));
    if (session === undefined || session.invalidated || session.bot.botUserId !== bot.botUserId) {
      conn.send({ op: GatewayOpcodes.InvalidSession, d: false });
      return null;
    }
    const seq = field(d, 'seq');
    const from = typeof seq === 'number' ? seq : 0;
    if (from > session.seq) return GatewayCloseCodes.InvalidSeq;
    const previous = session.connection;
    if (previous !== null && previous !== conn) {
      // Discord keeps one socket per session: the newer connection wins.
      previous.session = null;
      previous.drop();
    }
    this.#attach(conn, session);
    for (const record of session.after(from)) session.deliver(record);
    session.dispatch(GatewayDispatchEvents.Resumed, {});
    this.emit('resumed', session.info());
    return null;
  }

  #voiceState(session: GatewaySession, d: unknown): void {
    const guildId = field(d, 'guild_id');
    if (typeof guildId !== 'string') return;
    const channelId = field(d, 'channel_id');
    const joined = typeof channelId === 'string' ? channelId : null;
    const state = voiceStateData({
      guildId,
      channelId: joined,
      userId: session.bot.botUserId,
      // Discord reports the gateway session id as the voice state's session_id.
      sessionId: session.id,
      selfMute: field(d, 'self_mute') === true,
      selfDeaf: field(d, 'self_deaf') === true,
    });
    session.dispatch(GatewayDispatchEvents.VoiceStateUpdate, state);
    if (joined === null) {
      this.#o.voiceServer?.endSession(guildId, session.bot.botUserId);
      return;
    }
    const token = createHash('sha256')
      .update(`${this.#o.seed}:voice:${session.id}:${session.seq}`)
      .digest('hex')
      .slice(0, 16);
    // Granted before the dispatch goes out: the client may dial the voice server as soon as it reads it.
    this.#o.voiceServer?.grant({
      guildId,
      channelId: joined,
      userId: session.bot.botUserId,
      sessionId: session.id,
      token,
    });
    session.dispatch(
      GatewayDispatchEvents.VoiceServerUpdate,
      voiceServerData(guildId, token, this.#o.voiceEndpoint),
    );
  }

  #attach(conn: GatewayConnection, session: GatewaySession): void {
    conn.session = session;
    session.connection = conn;
  }

  #botFor(token: unknown): BotIdentity | undefined {
    if (typeof token !== 'string') return undefined;
    return this.#o.state.botForToken(token.replace(/^Bot /, ''));
  }
}
