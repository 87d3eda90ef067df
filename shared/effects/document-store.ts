/** The document store port: tenant-scoped records keyed by {provider, tenant, foreign_id}. */

export type DocumentCollection =
  | 'messages'
  | 'attachments'
  | 'jobs'
  | 'voice'
  | 'pages'
  | 'edges'
  | 'crawl'
  /** The embedding cache: vectors by `{model, input_hash}` (shared/effects/embedding-cache.ts). */
  | 'embeddings'
  /** Runtime agent settings per tenant, with their revisions (shared/agent/tenant-config.ts). */
  | 'config';

/** One versioned part of a document; a merge keeps, per slot, the value with the greatest version. */
export interface DocumentSlot {
  /** Sortable as a string (ISO time, zero-padded counters); ties keep the stored value. */
  version: string;
  value: unknown;
}

/**
 * A stored record. Documents are merged slot by slot (e.g. `created`, `edit`, `deleted`), so
 * deliveries in any order and any number of times converge on the same document.
 */
export interface StoredDocument {
  provider: string;
  tenant: string;
  foreign_id: string;
  urn: string;
  /** Plain fields used for filtering (channel id, author id); merged by last writer of the newest slot. */
  index: Record<string, string>;
  slots: Record<string, DocumentSlot>;
}

export interface UpsertResult {
  /** Documents created or changed. */
  written: number;
  /** Documents that already held the same or newer slots (a redelivery). */
  unchanged: number;
  /** With `returnDocuments`: each delivered document as merged by this write, once per id, first-seen order. */
  documents?: StoredDocument[];
}

export interface UpsertOptions {
  /**
   * Answer the merged documents as well. A caller that acts on what it just wrote (the embedder) saves the
   * read after the write: one round trip less, and on FerretDB one collection scan less per batch.
   */
  returnDocuments?: boolean;
}

/** `find` returns at most this many documents when no `limit` is given. */
export const FIND_DEFAULT_LIMIT = 1000;
/** The largest `limit` a `find` accepts. */
export const FIND_MAX_LIMIT = 10_000;

export interface FindOptions {
  /** 1..`FIND_MAX_LIMIT`; `FIND_DEFAULT_LIMIT` when absent. */
  limit?: number;
  /** Only documents whose foreign_id sorts before this one; results are newest first. */
  before?: string;
  /** Include documents that have a `deleted` slot. */
  includeDeleted?: boolean;
}

/**
 * Implementations: in-memory (tests), Durable Object SQLite (embedded default), MongoDB.
 * `upsertMany` must merge atomically per document: concurrent writers never lose a slot.
 */
export interface DocumentStore {
  upsertMany(
    collection: DocumentCollection,
    docs: readonly StoredDocument[],
    options?: UpsertOptions,
  ): Promise<UpsertResult>;
  get(collection: DocumentCollection, foreignId: string): Promise<StoredDocument | undefined>;
  /** Several documents in one call (one round trip for a batch); missing ids are simply absent. */
  getMany(collection: DocumentCollection, foreignIds: readonly string[]): Promise<StoredDocument[]>;
  find(
    collection: DocumentCollection,
    index: Record<string, string>,
    options?: FindOptions,
  ): Promise<StoredDocument[]>;
  count(collection: DocumentCollection, options?: { includeDeleted?: boolean }): Promise<number>;
  /**
   * Several `find`s of one collection in one call, answered in order (a store behind a Durable Object: one
   * round trip instead of one each). Optional: `findEach` asks each `find` on its own where it is absent.
   */
  findMany?(collection: DocumentCollection, queries: readonly FindQuery[]): Promise<StoredDocument[][]>;
}

/** One query of a `findMany` call. */
export interface FindQuery {
  index: Record<string, string>;
  options?: FindOptions | undefined;
}

/** The most queries one `findMany` call takes. */
export const FIND_MANY_MAX = 16;

/** `queries` answered in order: in one `findMany` call where the store has it, else each `find` at once. */
export function findEach(
  store: DocumentStore,
  collection: DocumentCollection,
  queries: readonly FindQuery[],
): Promise<StoredDocument[][]> {
  if (store.findMany && queries.length > 1 && queries.length <= FIND_MANY_MAX)
    return store.findMany(collection, queries);
  return Promise.all(queries.map((q) => store.find(collection, q.index, q.options)));
}

/** The most ids one `getMany` call takes; callers with more split them. */
export const GET_MANY_MAX = 1_000;

/**
 * Merges `incoming` into `existing` slot by slot; returns the result and whether anything changed. What
 * it takes from `incoming` is copied, unless `owned`: the caller's own copy that nothing else holds (a
 * document just received over an RPC), taken as it is.
 */
export function mergeDocument(
  existing: StoredDocument | undefined,
  incoming: StoredDocument,
  options: { owned?: boolean } = {},
): { doc: StoredDocument; changed: boolean } {
  const copy: <T>(value: T) => T = options.owned ? (value) => value : structuredClone;
  if (!existing) return { doc: copy(incoming), changed: true };
  const slots = { ...existing.slots };
  let changed = false;
  let indexFromIncoming = false;
  for (const [name, slot] of Object.entries(incoming.slots)) {
    const current = slots[name];
    if (!current || slot.version > current.version) {
      slots[name] = copy(slot);
      changed = true;
      indexFromIncoming = true;
    }
  }
  const index = indexFromIncoming
    ? { ...existing.index, ...incoming.index }
    : { ...incoming.index, ...existing.index };
  return { doc: { ...existing, index, slots }, changed };
}

/**
 * A string whose plain (byte) order is the order `compareForeignIds` gives for snowflakes: digit ids are
 * left-padded, everything else sorts after them. Stores that sort in the database (SQLite, MongoDB) use it.
 */
export function documentSortKey(foreignId: string): string {
  return /^\d{1,30}$/.test(foreignId) ? foreignId.padStart(30, '0') : `~${foreignId}`;
}

/** Snowflake-style ids compare numerically when both are digit strings. */
export function compareForeignIds(a: string, b: string): number {
  if (/^\d+$/.test(a) && /^\d+$/.test(b) && a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The page index fields the web crawler's near-duplicate lookups ask by (exact hash, same lead, the four
 * SimHash bands). Both adapters index them for `pages`: without, each lookup reads every page.
 */
export const NEAR_DUPLICATE_INDEX_KEYS = ['content_sha256', 'lead', 'sim0', 'sim1', 'sim2', 'sim3'] as const;
