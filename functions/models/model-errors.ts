/** Model call failures, each carrying the model, the operation and the tenant, typed by what a retry can do. */
import { type ErrorContext, NonRetriableError, RetryAfterError } from '@promethean/shared/agent/agent-errors';

export type ModelOperation = 'complete' | 'embed' | 'transcribe' | 'synthesize' | 'describeImage';

function where(operation: ModelOperation, model: string): string {
  return `model ${model} ${operation}`;
}

/** Rate limited, overloaded, timed out or unreachable: retry after `retryAfterMs` (the server's, when it said). */
export class ModelUnavailableError extends RetryAfterError {
  override readonly name = 'ModelUnavailableError';
  constructor(
    readonly operation: ModelOperation,
    readonly model: string,
    detail: string,
    retryAfterMs: number,
    context: ErrorContext = {},
    options?: { cause?: unknown },
  ) {
    super(`${where(operation, model)} unavailable: ${detail}`, retryAfterMs, context, options);
  }
}

/** The server refused the request (bad request, bad key, unknown model): retrying cannot help. */
export class ModelRequestError extends NonRetriableError {
  override readonly name = 'ModelRequestError';
  constructor(
    readonly operation: ModelOperation,
    readonly model: string,
    readonly status: number | undefined,
    detail: string,
    context: ErrorContext = {},
    options?: { cause?: unknown },
  ) {
    super(`${where(operation, model)} refused${status ? ` (${status})` : ''}: ${detail}`, context, options);
  }
}

/** The server answered something that is not what was asked (wrong count or dimension of vectors). */
export class ModelResponseError extends NonRetriableError {
  override readonly name = 'ModelResponseError';
  constructor(
    readonly operation: ModelOperation,
    readonly model: string,
    detail: string,
    context: ErrorContext = {},
  ) {
    super(`${where(operation, model)} answered unusably: ${detail}`, context);
  }
}

/**
 * The model settings in the env are invalid. Retried slowly rather than dead-lettered at once:
 * the messages are fine, and they succeed once an operator fixes the variable.
 */
export class ModelConfigurationError extends RetryAfterError {
  override readonly name = 'ModelConfigurationError';
}
