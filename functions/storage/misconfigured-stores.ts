/**
 * Stores that refuse every call with the configuration error that stopped the real one from being built,
 * so a misconfigured tenant fails loudly (and retriably) on first use instead of crashing every handler,
 * including those that never touch storage.
 */
import type { DocumentChangeLog } from '@promethean/shared/effects/document-change-log';
import type { DocumentStore } from '@promethean/shared/effects/document-store';
import type { VectorStore } from '@promethean/shared/effects/effect-ports';

/** A DocumentStore whose every method rejects with `error`. */
export function misconfiguredDocumentStore(error: Error): DocumentStore & DocumentChangeLog {
  const fail = async (): Promise<never> => {
    throw error;
  };
  return {
    upsertMany: fail,
    get: fail,
    getMany: fail,
    find: fail,
    count: fail,
    changeHead: fail,
    changesAfter: fail,
    scanPage: fail,
    purge: fail,
  };
}

/** A VectorStore whose every method rejects with `error`. */
export function misconfiguredVectorStore(error: Error): VectorStore {
  const fail = async (): Promise<never> => {
    throw error;
  };
  return { upsert: fail, query: fail, count: fail, delete: fail, pinned: fail };
}
