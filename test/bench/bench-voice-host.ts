/**
 * Stands in for the voice host in benchmarks and end-to-end runs: opens the control connection through
 * the functions Worker's `/voice-host/connect` (a real WebSocket, the host's secret), says hello, and
 * records every message the access layer sends, so a run can wait for a join or a chunk to arrive.
 */
import { ControlToHost } from '@promethean/schemas/voice/voice-relay';
import WebSocket from 'ws';

export class BenchVoiceHost {
  readonly received: Array<{ at: number; message: ControlToHost }> = [];
  readonly #ws: WebSocket;
  readonly #waiters = new Set<() => void>();

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.on('message', (data) => {
      const parsed = ControlToHost.safeParse(JSON.parse(data.toString()));
      if (!parsed.success) return;
      this.received.push({ at: Date.now(), message: parsed.data });
      for (const w of this.#waiters) w();
    });
  }

  /** Connects (and says hello with no sessions) as `hostId` for the tenant. */
  static async connect(
    baseUrl: string,
    secret: string,
    tenant: string,
    hostId = 'bench-host',
  ): Promise<BenchVoiceHost> {
    const url = `${baseUrl.replace(/^http/, 'ws')}/voice-host/connect?provider=discord&tenant=${tenant}`;
    const ws = new WebSocket(url, {
      headers: { authorization: `Bearer ${secret}`, 'x-voice-host-id': hostId },
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) =>
        reject(new Error(`control connection refused: ${res.statusCode}`)),
      );
    });
    const host = new BenchVoiceHost(ws);
    ws.send(JSON.stringify({ type: 'hello', host_id: hostId, version: 'bench', sessions: [] }));
    return host;
  }

  /** The first message (from `since` on) that `ok` accepts, waiting up to `timeoutMs`. */
  async next<T extends ControlToHost>(
    what: string,
    ok: (m: ControlToHost) => m is T,
    timeoutMs = 30_000,
    since = 0,
  ): Promise<{ at: number; message: T }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received.slice(since).find((r) => ok(r.message));
      if (found) return found as { at: number; message: T };
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.#waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, left);
        this.#waiters.add(done);
      });
    }
  }

  close(): void {
    this.#ws.close(1000, 'bench done');
  }
}
