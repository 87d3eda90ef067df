/**
 * The embedded document store as the chaos suite runs it: the real `TenantDocuments` Durable Object in
 * workerd (wrangler's test harness over `documents.wrangler.toml`), reached from Node through
 * `WorkerdDocumentStore`, and evicted on demand with workerd's own eviction (in-memory state dropped,
 * SQLite kept, the next request constructs the object again).
 */
import { join } from 'node:path';
import { AgentError } from '@promethean/shared/agent/agent-errors';
import type {
  DocumentCollection,
  DocumentStore,
  FindOptions,
  StoredDocument,
  UpsertResult,
} from '@promethean/shared/effects/document-store';
import type { DocumentScope } from '@promethean/shared/effects/document-validation';
import { InvalidDocumentError, StoreUnavailableError } from '@promethean/shared/effects/storage-errors';
import { createTestHarness } from 'wrangler';

const CONFIG = join(import.meta.dirname, 'documents.wrangler.toml');

interface Answer {
  result?: unknown;
  error?: { kind: 'invalid' | 'unavailable' | 'failed'; name: string; message: string };
}

/** The DocumentStore port over the route in `documents-worker.ts`; failures keep their retry class. */
export class WorkerdDocumentStore implements DocumentStore {
  readonly #url: string;
  readonly #scope: DocumentScope;

  constructor(url: string, scope: DocumentScope) {
    this.#url = url;
    this.#scope = { ...scope };
  }

  async #call<T>(method: string, args: unknown[]): Promise<T> {
    let answer: Answer;
    try {
      const response = await fetch(this.#url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...this.#scope, method, args }),
      });
      answer = (await response.json()) as Answer;
    } catch (e) {
      throw new StoreUnavailableError(`workerd did not answer ${method}`, this.#scope, { cause: e });
    }
    if (answer.error?.kind === 'invalid')
      throw new InvalidDocumentError(answer.error.message, [], this.#scope);
    if (answer.error)
      throw new StoreUnavailableError(`${answer.error.name}: ${answer.error.message}`, this.#scope);
    return answer.result as T;
  }

  upsertMany(collection: DocumentCollection, docs: readonly StoredDocument[]): Promise<UpsertResult> {
    return this.#call('upsertMany', [collection, docs]);
  }
  async get(collection: DocumentCollection, foreignId: string): Promise<StoredDocument | undefined> {
    return (await this.#call<StoredDocument | null>('get', [collection, foreignId])) ?? undefined;
  }
  getMany(collection: DocumentCollection, foreignIds: readonly string[]): Promise<StoredDocument[]> {
    return this.#call('getMany', [collection, foreignIds]);
  }
  find(
    collection: DocumentCollection,
    index: Record<string, string>,
    options?: FindOptions,
  ): Promise<StoredDocument[]> {
    return this.#call('find', [collection, index, options ?? {}]);
  }
  count(collection: DocumentCollection, options?: { includeDeleted?: boolean }): Promise<number> {
    return this.#call('count', [collection, options ?? {}]);
  }
  /** Which object instance answers now (changes after every eviction). */
  instance(): Promise<string> {
    return this.#call('instance', []);
  }
}

/** A running workerd with the TenantDocuments class. */
export interface WorkerdDocuments {
  url: string;
  store(scope: DocumentScope): WorkerdDocumentStore;
  /**
   * Evicts the tenant's object (workerd waits for requests in flight to finish) and checks that the next
   * request met a new instance; throws when it did not.
   */
  evict(scope: DocumentScope): Promise<void>;
  stop(): Promise<void>;
}

export class EvictionError extends AgentError {
  override readonly name = 'EvictionError';
}

/** Starts workerd with the TenantDocuments Worker on a free local port. */
export async function startWorkerdDocuments(): Promise<WorkerdDocuments> {
  // The placeholder request.cf is enough here; without this the harness tries to download the real one.
  process.env.CLOUDFLARE_CF_FETCH_ENABLED ??= 'false';
  const server = createTestHarness({ workers: [{ configPath: CONFIG }] });
  const { url } = await server.listen();
  const worker = server.getWorker();
  const base = String(url);
  const store = (scope: DocumentScope) => new WorkerdDocumentStore(base, scope);
  return {
    url: base,
    store,
    async evict(scope) {
      const before = await store(scope).instance();
      await worker.evictDurableObject('TenantDocuments', { name: `${scope.provider}:${scope.tenant}` });
      const after = await store(scope).instance();
      if (after === before)
        throw new EvictionError('the Durable Object was not replaced by its eviction', scope);
    },
    stop: () => server.close(),
  };
}
