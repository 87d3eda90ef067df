/** Hands an authenticated WebSocket upgrade to the caller's tenant's LlmGateway object. */
import type { ApiKeyRecord } from '../api/api-key-format.ts';
import { PRINCIPAL_HEADER } from './llm-gateway.ts';

export async function connectGateway(
  env: FunctionsEnv,
  request: Request,
  principal: ApiKeyRecord,
): Promise<Response> {
  if (request.headers.get('upgrade')?.toLowerCase() !== 'websocket')
    return Response.json(
      { error: { code: 'invalid_request', message: 'GET /v1/llm/ws expects a WebSocket upgrade' } },
      { status: 426 },
    );
  const stub = env.LLM_GATEWAY.get(env.LLM_GATEWAY.idFromName(`${principal.provider}:${principal.tenant}`));
  const headers = new Headers(request.headers);
  // The key itself stays here: the object gets the record (tenant, channel scope), never the secret.
  headers.delete('authorization');
  headers.set(PRINCIPAL_HEADER, JSON.stringify(principal));
  return stub.fetch(new Request(request.url, { method: 'GET', headers }));
}
