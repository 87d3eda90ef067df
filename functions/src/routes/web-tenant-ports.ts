/** Resolves a tenant's document store, vector store and model port for the `/v1/web` routes, from the Worker's env. */
import type { EffectPorts } from '@promethean/shared/effects/effect-ports';
import { UnknownProviderError, UnknownTenantError } from '@promethean/shared/platform/registry-errors';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { WebSearchPorts } from '../../web-search/web-search.ts';
import { createFunctionsRuntime } from '../runtime-dependencies.ts';

export function workerWebPorts(c: Context, scope: { provider: string; tenant: string }): WebSearchPorts {
  const { deps } = createFunctionsRuntime(c.env as FunctionsEnv);
  let ports: EffectPorts;
  try {
    const view = deps.registry.tenant(scope.provider, scope.tenant);
    ports = typeof deps.ports === 'function' ? deps.ports(view) : deps.ports;
  } catch (e) {
    if (e instanceof UnknownProviderError || e instanceof UnknownTenantError)
      throw new HTTPException(404, { message: e.message });
    throw e;
  }
  const { documents, vectors, models } = ports;
  if (!documents || !vectors || !models) {
    throw new HTTPException(503, {
      message: `tenant ${scope.provider}/${scope.tenant} lacks a document store, vector store or model port`,
    });
  }
  return { documents, vectors, models };
}
