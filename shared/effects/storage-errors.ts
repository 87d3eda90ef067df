/** Typed errors of the storage adapters: bad documents, missing configuration, an unreachable store. */
import {
  ConfigurationError,
  type ErrorContext,
  NonRetriableError,
  RetryAfterError,
} from '../agent/agent-errors.ts';

/** A document or query failed validation before it reached a store; resending it cannot help. */
export class InvalidDocumentError extends NonRetriableError {
  override readonly name = 'InvalidDocumentError';
  constructor(
    message: string,
    readonly issues: readonly string[],
    context: ErrorContext = {},
  ) {
    super(`${message}: ${issues.join('; ')}`, context);
  }
}

/**
 * A tenant's storage is configured in a way this deployment cannot serve (a `mongodb` tenant without
 * `MONGODB_URI`, an unknown `DOCUMENT_STORE_OVERRIDE`): the tenant's messages wait for an operator.
 */
export class StorageConfigurationError extends ConfigurationError {
  override readonly name = 'StorageConfigurationError';
}

/** The document or vector database did not answer (down, restarting, unreachable); retry shortly. */
export class StoreUnavailableError extends RetryAfterError {
  override readonly name = 'StoreUnavailableError';
  constructor(message: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super(message, 5_000, context, options);
  }
}

/**
 * Optimistic merges of one document kept losing to concurrent writers for every allowed attempt. Nothing
 * was lost (each attempt is a whole merge or nothing); a redelivery merges again.
 */
export class DocumentWriteConflictError extends RetryAfterError {
  override readonly name = 'DocumentWriteConflictError';
  constructor(
    readonly collection: string,
    readonly foreignIds: readonly string[],
    attempts: number,
    context: ErrorContext = {},
  ) {
    super(
      `${foreignIds.length} document(s) in ${collection} still conflicted after ${attempts} attempts ` +
        `(first: ${foreignIds[0]})`,
      250,
      context,
    );
  }
}
