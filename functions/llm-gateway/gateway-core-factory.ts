/**
 * Builds a gateway core per caller cheaply enough to do it per HTTP request. Everything that does not depend
 * on the caller is built once per isolate: the `/v1` document and its tool catalog (the document is code;
 * generating and hashing it costs ~15 ms), and the upstream `openai` client per model settings. Per caller
 * there is only the in-process `/v1` app acting as the caller's key, and that is built on the first tool call.
 * The WebSocket path builds its core once per connection; the HTTP bridge once per request, through this same
 * factory, so the bridge stays as thin as the socket.
 */
import { ToolClient } from '@promethean/shared/openapi-tools/tool-client';
import { Hono } from 'hono';
import OpenAI from 'openai';
import type { ApiKeyRecord } from '../api/api-key-format.ts';
import { createV1App, platformToolCatalog } from '../api/v1-app.ts';
import type { V1Backend } from '../api/v1-backend.ts';
import { type GatewayCore, gatewayCore } from './gateway-core.ts';

/** Where the in-process tool calls pretend to go; nothing leaves the isolate. */
const IN_PROCESS_V1 = 'http://in-process.invalid/v1';

/** The part of the model settings the gateway uses (functions/models/model-settings.ts). */
export interface GatewayModelSettings {
  base_url: string;
  api_key: string | undefined;
  llm_model: string;
  embed_model: string;
  timeout_ms: number;
}

/** What the gateway reports per tool call and per finished chat (gateway-metrics.ts counts them). */
export interface GatewayObserver {
  toolCall?: (tool: string, ok: boolean, latencyMs: number) => void;
}

export interface CoreRequest {
  principal: ApiKeyRecord;
  settings: GatewayModelSettings;
  backendOf: () => V1Backend;
  /** Passed to the in-process `/v1` app as its env (the Worker's bindings). */
  env?: unknown;
  observer?: GatewayObserver;
}

/** Upstream clients kept per isolate; a settings change is a new entry, and the map never grows past this. */
const MAX_UPSTREAMS = 8;

export class GatewayCoreFactory {
  readonly #upstreams = new Map<string, OpenAI>();

  #upstream(s: GatewayModelSettings): OpenAI {
    const key = JSON.stringify([s.base_url, s.api_key ?? null, s.timeout_ms]);
    let client = this.#upstreams.get(key);
    if (!client) {
      if (this.#upstreams.size >= MAX_UPSTREAMS) this.#upstreams.clear();
      client = new OpenAI({
        // Offline mode has no model server: requests fail with a clear upstream error rather than a guess.
        apiKey: s.api_key ?? 'offline-mode-has-no-model-server',
        baseURL: s.base_url,
        maxRetries: 0,
        timeout: s.timeout_ms,
      });
      this.#upstreams.set(key, client);
    }
    return client;
  }

  async coreFor(r: CoreRequest): Promise<GatewayCore> {
    const catalog = await platformToolCatalog();
    let app: Hono | undefined;
    // The caller's scope is the in-process app's `actingAs`, so a tool sees exactly what the key sees.
    const v1 = () => (app ??= new Hono().route('/v1', createV1App(r.backendOf, { actingAs: r.principal })));
    const client = new ToolClient(catalog, {
      baseUrl: IN_PROCESS_V1,
      fetch: async (req) => await v1().fetch(req, r.env),
    });
    return gatewayCore({
      openai: this.#upstream(r.settings),
      defaultModel: r.settings.llm_model,
      defaultEmbeddingModel: r.settings.embed_model,
      catalogHash: catalog.hash,
      platformTools: { tools: catalog.tools, client },
      ...(r.observer?.toolCall && { onToolCall: r.observer.toolCall }),
    });
  }
}
