/** Maps what the openai client throws to the runtime's error types: retry later, or stop. */
import type { ErrorContext } from '@promethean/shared/agent/agent-errors';
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { type ModelOperation, ModelRequestError, ModelUnavailableError } from './model-errors.ts';

/** Default waits when the server names none: a rate limit deserves longer than a blip. */
const RATE_LIMIT_WAIT_MS = 10_000;
const TRANSIENT_WAIT_MS = 2_000;
/** Statuses worth retrying: request timeout, conflict (lock), too early, rate limit, any 5xx. */
const RETRIABLE_4XX = new Set([408, 409, 425, 429]);

/** The server's wait: `retry-after-ms`, else `retry-after` in seconds or as an HTTP date. */
export function serverRetryAfterMs(headers: Headers | undefined, nowMs = Date.now()): number | undefined {
  const ms = Number(headers?.get('retry-after-ms') ?? Number.NaN);
  if (Number.isFinite(ms) && ms >= 0) return Math.ceil(ms);
  const header = headers?.get('retry-after');
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

/** The typed error for a failed call (never throws itself). */
export function modelFailure(
  error: unknown,
  operation: ModelOperation,
  model: string,
  context: ErrorContext,
): Error {
  const options = { cause: error };
  if (error instanceof APIConnectionTimeoutError) {
    return new ModelUnavailableError(operation, model, 'timed out', TRANSIENT_WAIT_MS, context, options);
  }
  if (error instanceof APIConnectionError || error instanceof APIUserAbortError) {
    return new ModelUnavailableError(
      operation,
      model,
      `connection failed: ${error.message}`,
      TRANSIENT_WAIT_MS,
      context,
      options,
    );
  }
  if (error instanceof APIError) {
    const status = error.status;
    if (status !== undefined && (RETRIABLE_4XX.has(status) || status >= 500)) {
      const wait =
        serverRetryAfterMs(error.headers) ?? (status === 429 ? RATE_LIMIT_WAIT_MS : TRANSIENT_WAIT_MS);
      return new ModelUnavailableError(
        operation,
        model,
        `status ${status}: ${error.message}`,
        wait,
        context,
        options,
      );
    }
    return new ModelRequestError(operation, model, status, error.message, context, options);
  }
  return error instanceof Error ? error : new Error(String(error));
}
