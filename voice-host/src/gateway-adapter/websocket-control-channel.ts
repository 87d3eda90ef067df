/**
 * The control connection: one WebSocket from the host to the access layer, authenticated with the shared
 * secret, reconnecting with capped exponential backoff; messages are validated with zod both ways.
 */
import { ControlToHost, type HostToControl } from '@promethean/schemas/voice/voice-relay';
import WebSocket from 'ws';
import type { ControlChannel, ControlStatus } from './control-channel.ts';

export interface WebSocketControlOptions {
  readonly url: string;
  readonly secret: string;
  readonly hostId: string;
  /** Longest wait between reconnect attempts. */
  readonly reconnectMaxMs: number;
  /**
   * A WebSocket ping goes out this often; a connection that answered nothing (no pong, no message) for a
   * whole interval is treated as dead, so a silently vanished peer cannot look connected forever.
   */
  readonly pingIntervalMs?: number;
  readonly log: (line: Record<string, unknown>) => void;
}

export class WebSocketControlChannel implements ControlChannel {
  readonly #o: WebSocketControlOptions;
  readonly #messageListeners: Array<(m: ControlToHost) => void> = [];
  readonly #connectedListeners: Array<() => void> = [];
  #ws: WebSocket | undefined;
  #status: ControlStatus = 'disconnected';
  #attempt = 0;
  #retry: ReturnType<typeof setTimeout> | undefined;
  #ping: ReturnType<typeof setInterval> | undefined;
  #heardFrom = false;
  #closed = false;

  constructor(options: WebSocketControlOptions) {
    this.#o = options;
  }

  get status(): ControlStatus {
    return this.#status;
  }

  /** Opens the connection (and keeps reopening it until `close`). */
  connect(): void {
    if (this.#closed) return;
    const ws = new WebSocket(this.#o.url, {
      headers: { authorization: `Bearer ${this.#o.secret}`, 'x-voice-host-id': this.#o.hostId },
      handshakeTimeout: 10_000,
    });
    this.#ws = ws;
    ws.on('open', () => {
      this.#status = 'connected';
      this.#attempt = 0;
      this.#startPinging(ws);
      this.#o.log({ level: 'info', msg: 'control connection open' });
      for (const l of this.#connectedListeners) l();
    });
    ws.on('message', (data, isBinary) => {
      this.#heardFrom = true;
      if (!isBinary) this.#onText(data.toString());
    });
    ws.on('pong', () => {
      this.#heardFrom = true;
    });
    ws.on('close', (code) => this.#onClose(ws, `closed ${code}`));
    ws.on('error', (e) => this.#onClose(ws, e.message));
  }

  send(message: HostToControl): boolean {
    if (this.#status !== 'connected' || this.#ws?.readyState !== WebSocket.OPEN) return false;
    this.#ws.send(JSON.stringify(message));
    return true;
  }

  onMessage(listener: (message: ControlToHost) => void): void {
    this.#messageListeners.push(listener);
  }

  onConnected(listener: () => void): void {
    this.#connectedListeners.push(listener);
  }

  close(): void {
    this.#closed = true;
    if (this.#retry) clearTimeout(this.#retry);
    if (this.#ping) clearInterval(this.#ping);
    this.#ws?.close(1000, 'voice host shutting down');
    this.#ws = undefined;
    this.#status = 'disconnected';
  }

  #onText(text: string): void {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      this.#o.log({ level: 'warn', msg: 'control message is not JSON' });
      return;
    }
    const parsed = ControlToHost.safeParse(json);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
      this.#o.log({ level: 'warn', msg: 'invalid control message ignored', issues });
      return;
    }
    for (const l of this.#messageListeners) l(parsed.data);
  }

  #startPinging(ws: WebSocket): void {
    if (this.#ping) clearInterval(this.#ping);
    this.#heardFrom = true;
    this.#ping = setInterval(() => {
      if (!this.#heardFrom) {
        this.#onClose(ws, 'no answer to ping');
        return;
      }
      this.#heardFrom = false;
      ws.ping();
    }, this.#o.pingIntervalMs ?? 15_000);
  }

  #onClose(ws: WebSocket, why: string): void {
    if (ws !== this.#ws) return;
    this.#ws = undefined;
    if (this.#ping) clearInterval(this.#ping);
    this.#ping = undefined;
    ws.removeAllListeners();
    ws.on('error', () => {});
    ws.terminate();
    this.#status = 'disconnected';
    if (this.#closed) return;
    const delay = Math.min(this.#o.reconnectMaxMs, 100 * 2 ** this.#attempt++);
    this.#o.log({ level: 'warn', msg: 'control connection lost', reason: why, retry_in_ms: delay });
    this.#retry = setTimeout(() => this.connect(), delay);
  }
}
