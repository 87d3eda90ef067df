/** Typed errors that decide what happens to a message: retried, retried later, or stopped for good. */

export interface ErrorContext {
  agent?: string;
  provider?: string;
  tenant?: string;
  topic?: string;
  corr?: string;
  intent?: string;
}

function describe(ctx: ErrorContext): string {
  const parts = Object.entries(ctx)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${v}`);
  return parts.length > 0 ? ` [${parts.join(' ')}]` : '';
}

/** Base of every error an agent runtime raises: carries the context a reader needs to act. */
export class AgentError extends Error {
  override readonly name: string = 'AgentError';
  readonly context: ErrorContext;
  constructor(message: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super(`${message}${describe(context)}`, options);
    this.context = context;
  }
}

/** Retrying cannot help (bad input, denied by policy): publish an error event and ack. */
export class NonRetriableError extends AgentError {
  override readonly name: string = 'NonRetriableError';
}

/** Retry, but not before `retryAfterMs` (a rate limit, an overloaded dependency). */
export class RetryAfterError extends AgentError {
  override readonly name: string = 'RetryAfterError';
  constructor(
    message: string,
    readonly retryAfterMs: number,
    context: ErrorContext = {},
    options?: { cause?: unknown },
  ) {
    super(message, context, options);
  }
}

/**
 * A Worker variable this deployment cannot serve with. Retried slowly (every minute), so the work waits in
 * its queue (and ends in the dead-letter queue, not lost) until an operator fixes `variable`.
 */
export class ConfigurationError extends RetryAfterError {
  override readonly name: string = 'ConfigurationError';
  constructor(
    message: string,
    /** The environment variable an operator has to set or fix. */
    readonly variable: string,
    context: ErrorContext = {},
  ) {
    super(message, 60_000, context);
  }
}

/** An effect the manifest does not grant; raised before the effect runs, so nothing happened. */
export class PolicyDeniedError extends NonRetriableError {
  override readonly name = 'PolicyDeniedError';
  constructor(
    readonly capability: string,
    context: ErrorContext,
    reason = 'not declared in agent.yml capabilities',
  ) {
    super(`capability ${capability} denied: ${reason}`, context);
  }
}

/** Admission control refused the work; the caller should come back after `retryAfterMs`. */
export class OverloadedError extends RetryAfterError {
  override readonly name = 'OverloadedError';
}

/** A message failed zod validation at a boundary. */
export class InvalidMessageError extends NonRetriableError {
  override readonly name = 'InvalidMessageError';
  constructor(
    message: string,
    readonly issues: readonly string[],
    context: ErrorContext = {},
    /** Which boundary check failed: the envelope shape, the intent name, or the payload. */
    readonly code: 'invalid_envelope' | 'unknown_intent' | 'invalid_payload' = 'invalid_payload',
  ) {
    super(`${message}: ${issues.join('; ')}`, context);
  }
}

/** An effect (a store, a model, a provider call) did not answer within its time bound; retried later. */
export class EffectTimeoutError extends RetryAfterError {
  override readonly name = 'EffectTimeoutError';
  constructor(
    readonly effect: string,
    readonly timeoutMs: number,
    context: ErrorContext = {},
  ) {
    super(`effect ${effect} did not answer within ${timeoutMs} ms`, Math.max(1_000, timeoutMs), context);
  }
}
