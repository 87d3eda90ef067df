/**
 * LlmGateway: the canonical path to the models, one Durable Object per provider+tenant holding that tenant's
 * gateway WebSockets (hibernation API: an idle connection costs nothing). Thin: each socket's key record
 * rides in its attachment (never the key), and a GatewayConnection does the protocol.
 */
import { DurableObject } from 'cloudflare:workers';
import type { GatewayEvent } from '@promethean/schemas/llm-gateway/gateway-messages';
import { IsolateOps } from '@promethean/shared/ops/isolate-ops';
import type { ApiKeyRecord } from '../api/api-key-format.ts';
import { readModelSettings } from '../models/model-settings.ts';
import { ledgerPort } from '../ops/ops-bindings.ts';
import { GatewayConnection } from './gateway-connection.ts';
import { meteredWorkerCore, ThrottledFlush } from './gateway-telemetry.ts';

/** The header the Worker passes the authenticated key record in; the object is reachable only by binding. */
export const PRINCIPAL_HEADER = 'x-promethean-principal';

interface Attachment {
  principal: ApiKeyRecord;
}

export class LlmGateway extends DurableObject<FunctionsEnv> {
  /** Live protocol state per socket; rebuilt from the attachment after the object wakes from hibernation. */
  readonly #connections = new Map<WebSocket, Promise<GatewayConnection>>();
  /** This object's gateway counters, flushed to the ops ledger as their own source. */
  readonly #ops = new IsolateOps({ worker: 'llm-gateway', agents: [] });
  readonly #flush = new ThrottledFlush(() => this.#ops);
  /** The connections already built, for the in-flight gauge. */
  readonly #live = new Map<WebSocket, GatewayConnection>();

  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get('upgrade')?.toLowerCase() !== 'websocket')
      return Response.json(
        { error: { code: 'invalid_request', message: 'expected a WebSocket upgrade' } },
        { status: 426 },
      );
    const principal = JSON.parse(request.headers.get(PRINCIPAL_HEADER) ?? 'null') as ApiKeyRecord | null;
    if (!principal)
      return Response.json({ error: { code: 'unauthorized', message: 'no principal' } }, { status: 401 });
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    server.serializeAttachment({ principal } satisfies Attachment);
    return new Response(null, { status: 101, webSocket: client });
  }

  #connection(ws: WebSocket): Promise<GatewayConnection> {
    let connection = this.#connections.get(ws);
    if (!connection) {
      const { principal } = ws.deserializeAttachment() as Attachment;
      const send = (event: GatewayEvent) => {
        try {
          ws.send(JSON.stringify(event));
        } catch {
          // The socket closed under us; webSocketClose cancels what is still running.
        }
      };
      const metrics = this.#ops.recorder.gateway;
      connection = meteredWorkerCore(this.env, principal, this.#ops, 'ws').then((core) => {
        const built = new GatewayConnection(core, send, undefined, (model) =>
          metrics.dropped(model ?? readModelSettings(this.env as never).llm_model, 'ws'),
        );
        this.#live.set(ws, built);
        return built;
      });
      this.#connections.set(ws, connection);
    }
    return connection;
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const connection = await this.#connection(ws);
    // Not awaited: requests on one socket run side by side, up to the connection's in-flight limit.
    this.ctx.waitUntil(connection.handle(message).then(() => this.#report()));
    this.#report();
  }

  /** Connections and requests in flight now, and a flush to the ops ledger when one is due. */
  #report(): void {
    let inFlight = 0;
    for (const c of this.#live.values()) inFlight += c.inFlight;
    this.#ops.recorder.gateway.gauge(
      `llm-gateway:${this.ctx.id.toString()}`,
      this.ctx.getWebSockets().length,
      inFlight,
      Date.now(),
    );
    const flushing = this.#flush.maybe(ledgerPort(this.env));
    if (flushing) this.ctx.waitUntil(flushing);
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    (await this.#connections.get(ws))?.close();
    this.#connections.delete(ws);
    this.#live.delete(ws);
    this.#report();
    try {
      ws.close(code === 1005 ? 1000 : code, 'closing');
    } catch {
      // Already closed.
    }
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    (await this.#connections.get(ws))?.close();
    this.#connections.delete(ws);
    this.#live.delete(ws);
  }
}
