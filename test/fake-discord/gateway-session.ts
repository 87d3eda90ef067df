/** A gateway session: its sequence, every dispatch it was sent (for RESUME replay), and its socket. */
import type { GatewayConnection } from './gateway-connection.ts';
import type { BotIdentity } from './message-factory.ts';

/** One DISPATCH as numbered for a session. */
export interface DispatchRecord {
  s: number;
  t: string;
  d: unknown;
}

/** What `gateway.sessions()` shows of a session. */
export interface SessionInfo {
  session_id: string;
  bot_user_id: string;
  seq: number;
  /** Dispatches numbered after the last one written to a socket (queued while the client was away). */
  pending: number;
  connected: boolean;
  resumable: boolean;
  intents: number;
  shard: [number, number];
}

/** Session state that outlives its connections until invalidated. */
export class GatewaySession {
  readonly id: string;
  readonly bot: BotIdentity;
  readonly intents: number;
  readonly shard: [number, number];
  connection: GatewayConnection | null = null;
  /** Set by INVALID_SESSION d:false, a non-resumable close, or expiry: RESUME then fails. */
  invalidated = false;
  #seq = 0;
  #delivered = 0;
  readonly #events: DispatchRecord[] = [];

  constructor(id: string, bot: BotIdentity, intents: number, shard: [number, number]) {
    this.id = id;
    this.bot = bot;
    this.intents = intents;
    this.shard = shard;
  }

  /** The last sequence number given out. */
  get seq(): number {
    return this.#seq;
  }

  /** Numbers a dispatch, keeps it for replay, and sends it if a socket is attached. */
  dispatch(t: string, d: unknown): DispatchRecord {
    this.#seq += 1;
    const record = { s: this.#seq, t, d };
    this.#events.push(record);
    if (this.connection?.isOpen()) this.deliver(record);
    return record;
  }

  /** Writes an already-numbered dispatch to the attached socket (live or replayed). */
  deliver(record: DispatchRecord): void {
    this.connection?.send({ op: 0, t: record.t, s: record.s, d: record.d });
    this.#delivered = Math.max(this.#delivered, record.s);
  }

  /** Every dispatch after `seq`, oldest first: what a RESUME replays. */
  after(seq: number): DispatchRecord[] {
    return this.#events.filter((e) => e.s > seq);
  }

  /** A snapshot for assertions. */
  info(): SessionInfo {
    return {
      session_id: this.id,
      bot_user_id: this.bot.botUserId,
      seq: this.#seq,
      pending: this.#seq - this.#delivered,
      connected: this.connection?.isOpen() ?? false,
      resumable: !this.invalidated,
      intents: this.intents,
      shard: this.shard,
    };
  }
}
