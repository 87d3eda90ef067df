/** One client WebSocket: sending, the 120-per-60-s send limit, withheld ACKs and server-side closes. */
import type { WebSocket } from 'ws';
import type { GatewaySession } from './gateway-session.ts';

/** Discord allows 120 gateway sends per 60 seconds per connection. */
export interface SendLimit {
  limit: number;
  windowMs: number;
}

/** Discord's documented gateway send limit (https://discord.com/developers/docs/events/gateway#rate-limiting). */
export const DEFAULT_SEND_LIMIT: SendLimit = { limit: 120, windowMs: 60_000 };

/** A connected client socket and what the fake knows about it. */
export class GatewayConnection {
  readonly id: number;
  /** The request path, so tests can tell a resume_gateway_url connection from a fresh one. */
  readonly path: string;
  session: GatewaySession | null = null;
  /** Heartbeats still to go unanswered (a zombie-connection fault). */
  withheldAcks = 0;
  /** True once the fake itself closed or dropped the socket. */
  closedByServer = false;
  readonly #socket: WebSocket;
  readonly #now: () => number;
  readonly #limit: SendLimit;
  #window = { count: 0, resetAt: 0 };

  constructor(id: number, path: string, socket: WebSocket, now: () => number, limit: SendLimit) {
    this.id = id;
    this.path = path;
    this.#socket = socket;
    this.#now = now;
    this.#limit = limit;
  }

  /** Whether the socket can still carry frames. */
  isOpen(): boolean {
    return this.#socket.readyState === this.#socket.OPEN;
  }

  /** Writes a gateway payload as JSON; non-dispatch payloads carry `s` and `t` as null, like Discord's. */
  send(payload: { op: number; d: unknown; s?: number | null; t?: string | null }): void {
    if (!this.isOpen()) return;
    this.#socket.send(
      JSON.stringify({ op: payload.op, d: payload.d, s: payload.s ?? null, t: payload.t ?? null }),
    );
  }

  /** Counts a payload from the client; false once the send limit for this window is exceeded. */
  countInbound(): boolean {
    const now = this.#now();
    if (now >= this.#window.resetAt) this.#window = { count: 0, resetAt: now + this.#limit.windowMs };
    this.#window.count += 1;
    return this.#window.count <= this.#limit.limit;
  }

  /** Closes with a code and reason (a normal close handshake). */
  close(code: number, reason: string): void {
    this.closedByServer = true;
    if (this.isOpen()) this.#socket.close(code, reason);
  }

  /** Closes without a status code (the client sees 1005). */
  closeWithoutCode(): void {
    this.closedByServer = true;
    if (this.isOpen()) this.#socket.close();
  }

  /** Destroys the TCP connection with no close frame, as a network drop would. */
  drop(): void {
    this.closedByServer = true;
    this.#socket.terminate();
  }
}
