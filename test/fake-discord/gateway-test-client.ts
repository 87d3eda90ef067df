/** A minimal gateway client for the fake's own tests: a real `ws` socket with an awaitable inbox. */
import WebSocket from 'ws';

/** A gateway payload as received. */
export interface GatewayFrame {
  op: number;
  d: unknown;
  s: number | null;
  t: string | null;
}

/** How the socket ended. */
export interface CloseInfo {
  code: number;
  reason: string;
}

/** Connects, queues every frame, and lets a test await the next one (no sleeps). */
export class GatewayTestClient {
  readonly closed: Promise<CloseInfo>;
  readonly #socket: WebSocket;
  readonly #inbox: GatewayFrame[] = [];
  readonly #waiters: Array<(frame: GatewayFrame) => void> = [];

  private constructor(socket: WebSocket) {
    this.#socket = socket;
    socket.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as GatewayFrame;
      const waiter = this.#waiters.shift();
      if (waiter) waiter(frame);
      else this.#inbox.push(frame);
    });
    this.closed = new Promise((resolve) => {
      socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
    });
  }

  /** Opens a socket to `url` (query `?v=10&encoding=json` unless given) and waits until it is open. */
  static async connect(url: string, query = '?v=10&encoding=json'): Promise<GatewayTestClient> {
    const socket = new WebSocket(`${url}${query}`);
    const client = new GatewayTestClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return client;
  }

  /** Connects and identifies; answers the READY dispatch. */
  static async ready(
    url: string,
    token: string,
    intents = 513,
  ): Promise<{ client: GatewayTestClient; ready: GatewayFrame }> {
    const client = await GatewayTestClient.connect(url);
    await client.next();
    client.send(2, { token, intents, properties: { os: 'linux', browser: 'test', device: 'test' } });
    return { client, ready: await client.next() };
  }

  /** The next frame, waiting for it if none is queued. */
  next(): Promise<GatewayFrame> {
    const queued = this.#inbox.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** The next `count` frames. */
  async take(count: number): Promise<GatewayFrame[]> {
    const frames: GatewayFrame[] = [];
    for (let i = 0; i < count; i++) frames.push(await this.next());
    return frames;
  }

  /** Frames received but not yet taken. */
  pending(): number {
    return this.#inbox.length;
  }

  /** Sends `{op, d}`. */
  send(op: number, d: unknown): void {
    this.#socket.send(JSON.stringify({ op, d }));
  }

  /** Sends raw text (for decode-error cases). */
  sendRaw(text: string): void {
    this.#socket.send(text);
  }

  /** Closes from the client side and waits for the socket to end. */
  async close(code = 4900): Promise<CloseInfo> {
    if (this.#socket.readyState === WebSocket.OPEN) this.#socket.close(code);
    return this.closed;
  }
}
