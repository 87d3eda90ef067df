/** The `/v1` error shape as a thrown value and as a response, so every failure answers alike. */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ApiError, ApiErrorCode } from './v1-schemas.ts';

const STATUS: Record<ApiErrorCode, ContentfulStatusCode> = {
  invalid_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
};

/** A `/v1` failure with its code; `headers` carries Retry-After and WWW-Authenticate. */
export class V1Error extends Error {
  override readonly name = 'V1Error';
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  get status(): ContentfulStatusCode {
    return STATUS[this.code];
  }
}

/** The request id the requestId middleware set, or a fresh one when it did not run. */
export function requestIdOf(c: Context): string {
  const id = (c.get as (key: string) => unknown)('requestId');
  return typeof id === 'string' ? id : crypto.randomUUID();
}

export function errorBody(c: Context, code: ApiErrorCode, message: string): ApiError {
  return { error: { code, message, request_id: requestIdOf(c) } };
}

export function errorResponse(c: Context, error: V1Error): Response {
  for (const [name, value] of Object.entries(error.headers)) c.header(name, value);
  return c.json(errorBody(c, error.code, error.message), error.status);
}
