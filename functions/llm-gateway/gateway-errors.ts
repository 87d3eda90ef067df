/** Gateway failures as values with a code, and the mapping from upstream (`openai` client) errors to them. */
import type { GatewayErrorCode } from '@promethean/schemas/llm-gateway/gateway-messages';
import OpenAI from 'openai';

/** A failure the gateway reports as an `error` event (WS) or an error response (HTTP). */
export class GatewayError extends Error {
  override readonly name = 'GatewayError';
  constructor(
    readonly code: GatewayErrorCode,
    message: string,
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** HTTP status for each code, so the bridge and the WebSocket say the same thing in their own terms. */
export const GATEWAY_ERROR_STATUS: Record<GatewayErrorCode, number> = {
  invalid_request: 400,
  unsupported_content: 415,
  unauthorized: 401,
  forbidden: 403,
  unknown_model: 404,
  overloaded: 429,
  rate_limited: 429,
  upstream_error: 502,
  timeout: 504,
  cancelled: 499,
  internal: 500,
};

function retryAfterMs(headers: Headers | undefined): number | undefined {
  const ms = headers?.get('retry-after-ms');
  if (ms && Number.isFinite(Number(ms))) return Math.max(0, Math.round(Number(ms)));
  const s = headers?.get('retry-after');
  if (s && Number.isFinite(Number(s))) return Math.max(0, Math.round(Number(s) * 1000));
  return undefined;
}

/** What an upstream failure means for the caller. */
export function upstreamFailure(e: unknown, signal?: AbortSignal): GatewayError {
  if (e instanceof GatewayError) return e;
  if (signal?.aborted || e instanceof OpenAI.APIUserAbortError)
    return new GatewayError('cancelled', 'the request was cancelled', undefined, { cause: e });
  if (e instanceof OpenAI.APIConnectionTimeoutError)
    return new GatewayError('timeout', 'the model did not answer in time', undefined, { cause: e });
  if (e instanceof OpenAI.APIError) {
    const status = e.status ?? 0;
    const detail = e.message.replace(/^\d+\s*/, '');
    if (status === 404)
      return new GatewayError(
        'unknown_model',
        `the model server does not know that model: ${detail}`,
        undefined,
        { cause: e },
      );
    if (status === 429)
      return new GatewayError(
        'rate_limited',
        `the model server is rate limiting: ${detail}`,
        retryAfterMs(e.headers),
        { cause: e },
      );
    if (status === 400 || status === 422)
      return new GatewayError(
        'invalid_request',
        `the model server refused the request: ${detail}`,
        undefined,
        { cause: e },
      );
    if (status === 401 || status === 403)
      return new GatewayError(
        'upstream_error',
        'the gateway is not authorized at the model server (an operator must fix its key)',
        undefined,
        { cause: e },
      );
    return new GatewayError(
      'upstream_error',
      `the model server failed (${status || 'no status'}): ${detail}`,
      retryAfterMs(e.headers),
      { cause: e },
    );
  }
  return new GatewayError(
    'upstream_error',
    `the model server could not be reached: ${e instanceof Error ? e.message : String(e)}`,
    undefined,
    { cause: e },
  );
}
