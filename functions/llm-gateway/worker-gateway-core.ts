/**
 * The gateway core as the functions Worker builds it per caller: the upstream `openai` client from the model
 * settings (MODEL_BASE_URL, MODEL_API_KEY, LLM_MODEL, EMBED_MODEL), and the `/v1` tools run in-process as
 * the caller's key — the same tenant and channel scope the caller has over HTTP, and no key kept anywhere.
 */
import type { ToolChatPort } from '@promethean/shared/effects/effect-ports';
import type { ApiKeyRecord } from '../api/api-key-format.ts';
import { WorkerV1Backend } from '../api/worker-v1-backend.ts';
import { readModelSettings } from '../models/model-settings.ts';
import type { GatewayCore } from './gateway-core.ts';
import { GatewayCoreFactory, type GatewayObserver } from './gateway-core-factory.ts';
import { GatewayError } from './gateway-errors.ts';
import { gatewayToolChat } from './tool-chat-port.ts';

/** One per isolate: the catalog and upstream clients are shared by every caller's core. */
const factory = new GatewayCoreFactory();

export async function workerGatewayCore(
  env: FunctionsEnv,
  principal: ApiKeyRecord,
  observer?: GatewayObserver,
): Promise<GatewayCore> {
  const settings = readModelSettings(env as unknown as Record<string, unknown>);
  const core = await factory.coreFor({
    principal,
    settings,
    backendOf: () => new WorkerV1Backend(env),
    env,
    ...(observer && { observer }),
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

/**
 * The `llm.tools` port of a tenant's agents, or undefined without a model server (agents then answer with
 * the labelled offline model instead, as they do without tools).
 */
export function workerToolChat(
  env: FunctionsEnv,
  tenant: { provider: string; tenant: string },
): ToolChatPort | undefined {
  if (readModelSettings(env as unknown as Record<string, unknown>).mode !== 'online') return undefined;
  return gatewayToolChat((principal) => workerGatewayCore(env, principal), {
    agent: 'platform',
    provider: tenant.provider,
    tenant: tenant.tenant,
    offline: false,
  });
}
