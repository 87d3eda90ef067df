/**
 * The gateway core as the functions Worker builds it per caller: the upstream `openai` client from the model
 * settings (MODEL_BASE_URL, MODEL_API_KEY, LLM_MODEL, EMBED_MODEL), and the `/v1` tools run in-process as
 * the caller's key — the same tenant and channel scope the caller has over HTTP, and no key kept anywhere.
 */
import { CatalogCache } from '@promethean/shared/openapi-tools/catalog-cache';
import { ToolClient } from '@promethean/shared/openapi-tools/tool-client';
import { Hono } from 'hono';
import OpenAI from 'openai';
import type { ApiKeyRecord } from '../api/api-key-format.ts';
import { createV1App, v1Document } from '../api/v1-app.ts';
import { WorkerV1Backend } from '../api/worker-v1-backend.ts';
import { readModelSettings } from '../models/model-settings.ts';
import { type GatewayCore, gatewayCore } from './gateway-core.ts';
import { GatewayError } from './gateway-errors.ts';

/** The catalog depends only on the `/v1` document, which is code: one per isolate, rebuilt if it changes. */
const catalogs = new CatalogCache();

/** Where the in-process tool calls pretend to go; nothing leaves the isolate. */
const IN_PROCESS_V1 = 'http://in-process.invalid/v1';

export async function workerGatewayCore(env: FunctionsEnv, principal: ApiKeyRecord): Promise<GatewayCore> {
  const settings = readModelSettings(env as unknown as Record<string, unknown>);
  const v1 = createV1App(() => new WorkerV1Backend(env), { actingAs: principal });
  const root = new Hono().route('/v1', v1);
  const catalog = await catalogs.catalogFor(v1Document(v1));
  const upstream = new OpenAI({
    // Offline mode has no model server: requests fail with a clear upstream error rather than a guess.
    apiKey: settings.api_key ?? 'offline-mode-has-no-model-server',
    baseURL: settings.base_url,
    maxRetries: 0,
    timeout: settings.timeout_ms,
  });
  const core = gatewayCore({
    openai: upstream,
    defaultModel: settings.llm_model,
    defaultEmbeddingModel: settings.embed_model,
    catalogHash: catalog.hash,
    platformTools: {
      tools: catalog.tools,
      client: new ToolClient(catalog, {
        baseUrl: IN_PROCESS_V1,
        fetch: async (r) => await root.fetch(r, env),
      }),
    },
  });
  if (settings.mode === 'online') return core;
  const offline = () =>
    new GatewayError(
      'upstream_error',
      'no model server is configured: set MODEL_API_KEY (and MODEL_BASE_URL) on promethean-functions',
    );
  return {
    ...core,
    chat: async () => {
      throw offline();
    },
    embed: async () => {
      throw offline();
    },
  };
}
