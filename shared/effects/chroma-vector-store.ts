/**
 * The VectorStore port over Chroma, through the `chromadb` client (it runs unchanged in Node and in
 * workerd: it speaks HTTP with `fetch`). Collections `<provider>__<tenant>__<collection>`, cosine distance,
 * explicit embeddings only (`embeddingFunction: null`), and the embedding model and dimension pinned in the
 * collection's metadata when it is created and checked before every write and query. Upserts to a server that
 * takes base64 embeddings go straight to its upsert route with the vectors packed natively
 * (`#upsertPacked`): the client packs them a byte at a time, the larger part of a page's CPU in the Worker.
 * For a collection whose metadata keys are declared (`declaredMetadata`), a write sets every declared key
 * (null where the record has none) instead of reading the records first (`#dropStaleMetadata`).
 */
import {
  ChromaClient,
  ChromaConnectionError,
  ChromaNotFoundError,
  ChromaUniqueError,
  type Collection,
  type Metadata,
  type Where,
} from 'chromadb';
import { z } from 'zod';
import { AgentError, NonRetriableError } from '../agent/agent-errors.ts';
import type { DataTarget } from '../migrations/target-marker.ts';
import type { DocumentScope } from './document-validation.ts';
import type {
  EmbeddingSpec,
  VectorCollection,
  VectorMatch,
  VectorRecord,
  VectorStore,
} from './effect-ports.ts';
import { packVector } from './packed-vector.ts';
import { StoreUnavailableError } from './storage-errors.ts';
import {
  assertMatchesPin,
  CHUNKER_VERSIONS,
  VectorSchemaMismatchError,
  vectorCollectionName,
} from './vector-schema.ts';

/** Collection metadata keys holding the pin. */
export const PIN_MODEL_KEY = 'promethean:embedding_model';
export const PIN_DIMENSION_KEY = 'promethean:embedding_dimension';
/** Collection metadata: the target marker (`test` or `working`) and the text derivation's version. */
export const TARGET_KEY = 'promethean:target';
export const CHUNKER_KEY = 'promethean:chunker_version';

/** Chroma's own limit is larger (5461 on a local server); smaller requests keep Worker memory flat. */
const UPSERT_CHUNK = 500;

const Pin = z.object({
  [PIN_MODEL_KEY]: z.string().min(1),
  [PIN_DIMENSION_KEY]: z.number().int().positive(),
});

/** A plain loop: a callback per value costs more than the check itself over 1,536 values. */
function finiteNumbers(values: unknown): boolean {
  if (!Array.isArray(values)) return false;
  for (let i = 0; i < values.length; i++) {
    const v: unknown = values[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) return false;
  }
  return true;
}

/** Metadata as sent to Chroma's upsert: a null removes the key from a record that had it. */
type WrittenMetadata = Record<string, string | number | boolean | null>;

/** Every declared key, in declared order: the record's value, or null to remove an old one. */
function everyKey(metadata: VectorRecord['metadata'], declared: readonly string[]): WrittenMetadata {
  const out: WrittenMetadata = {};
  for (const key of declared) out[key] = Object.hasOwn(metadata, key) ? (metadata[key] ?? null) : null;
  return out;
}

const RecordInput = z.object({
  id: z.string().min(1),
  // One pass over the array, not a parse per element and a copy: vectors have thousands of values.
  embedding: z.custom<number[]>(finiteNumbers, 'embedding values must be finite numbers'),
  document: z.string(),
  metadata: z.record(z.string().min(1), z.union([z.string(), z.number(), z.boolean()])),
});

/** A collection exists in Chroma but carries no pin: it was not created by this adapter. */
export class UnpinnedVectorCollectionError extends NonRetriableError {
  override readonly name = 'UnpinnedVectorCollectionError';
  constructor(
    readonly collection: string,
    scope: DocumentScope,
  ) {
    super(
      `vector collection ${collection} has no embedding pin (${PIN_MODEL_KEY}, ${PIN_DIMENSION_KEY}); ` +
        'it was not created by Promethean: re-embed into a new collection',
      scope,
    );
  }
}

export interface ChromaVectorStoreOptions extends DocumentScope {
  /** The Chroma server, e.g. `http://127.0.0.1:8000`. */
  url: string;
  /** The marker collections this store creates carry; `working` unless told otherwise. */
  target?: DataTarget;
  /**
   * Collection names per logical collection, when a migration routes this tenant elsewhere (a re-embed's
   * new collection); `<provider>__<tenant>__<collection>` otherwise.
   */
  names?: Partial<Record<VectorCollection, string>>;
  /**
   * Per collection, every metadata key its records may hold (its data contract:
   * `DECLARED_VECTOR_METADATA_KEYS`). Chroma's upsert merges metadata into what a record had, so a rewrite
   * must remove the keys it no longer sets. Where the keys are declared, a write names each one, null for
   * the keys a record does not set (Chroma 1.x removes a key written as null), and needs no read of the
   * records first; a record holding an undeclared key is refused, since a later write could not clear it.
   * Elsewhere the records are read before each write and those that would keep a key are deleted first.
   */
  declaredMetadata?: Partial<Record<VectorCollection, readonly string[]>>;
}

/** Client arguments for a Chroma URL (`http[s]://host[:port]`). */
export function chromaClientArgs(url: string): { host: string; port: number; ssl: boolean } {
  const parsed = new URL(url);
  const ssl = parsed.protocol === 'https:';
  return { host: parsed.hostname, port: Number(parsed.port || (ssl ? 443 : 80)), ssl };
}

function toWhere(where: Record<string, string | number | boolean>): Where | undefined {
  const clauses = Object.entries(where).map(([key, value]) => ({ [key]: value }) as Where);
  if (clauses.length === 0) return undefined;
  return clauses.length === 1 ? clauses[0] : { $and: clauses };
}

/** At most this many opened collections are kept per isolate (tenants × collections); the oldest go first. */
const OPEN_COLLECTIONS_MAX = 512;

/**
 * Per isolate, shared by every ChromaVectorStore of it: a Worker isolate serves many queue batches and
 * requests, and each builds its ports anew, so without this every batch paid a pre-flight request (the
 * client's, answered once per client) and a collection lookup per tenant before its first write (issue 18).
 * Clients are kept per URL; opened collections per URL and name. What a handle holds (the collection's id
 * and its pin) does not change while the collection lives: a pin is never rewritten, a re-embed writes a
 * new collection. A collection deleted or replaced behind this isolate's back answers "not found" (or no
 * longer matches the pin): the store then drops the handle and opens the collection again, once.
 */
const isolateClients = new Map<string, ChromaClient>();
const isolateCollections = new Map<string, Collection>();

function rememberCollection(key: string, col: Collection): void {
  isolateCollections.delete(key);
  isolateCollections.set(key, col);
  if (isolateCollections.size > OPEN_COLLECTIONS_MAX) {
    const oldest = isolateCollections.keys().next().value;
    if (oldest !== undefined) isolateCollections.delete(oldest);
  }
}

/** Whether an error may come from a handle to a collection that is gone (then it is opened again). */
function staleHandle(error: unknown): boolean {
  const cause = error instanceof AgentError && error.cause !== undefined ? error.cause : error;
  return cause instanceof ChromaNotFoundError || cause instanceof VectorSchemaMismatchError;
}

/** How `ChromaVectorStore.upsert` may write. */
export interface ChromaUpsertOptions {
  /**
   * The caller vouches that no record of these ids holds a metadata key its new record lacks: the ids were
   * just deleted, or the collection is one only the caller writes, always with the same keys (a re-embed's
   * new collection during its backfill). The stale-metadata read before each chunk (a Chroma `get`) is
   * then skipped. A wrong promise leaves an old key on a record; callers that make it check their records
   * afterwards (the re-embed's catch-up compares every document changed since its start).
   */
  noStaleKeys?: boolean;
}

export class ChromaVectorStore implements VectorStore {
  #chroma: ChromaClient | undefined;
  readonly #url: string;
  readonly #scope: DocumentScope;
  readonly #target: DataTarget;
  readonly #names: Partial<Record<VectorCollection, string>>;
  readonly #declared: Partial<Record<VectorCollection, readonly string[]>>;

  constructor(options: ChromaVectorStoreOptions) {
    this.#url = options.url;
    this.#scope = { provider: options.provider, tenant: options.tenant };
    this.#target = options.target ?? 'working';
    this.#names = { ...options.names };
    this.#declared = { ...options.declaredMetadata };
  }

  /** The isolate's client for this URL, built on first use: most invocations never touch the vector port. */
  get #client(): ChromaClient {
    if (!this.#chroma) {
      this.#chroma = isolateClients.get(this.#url) ?? new ChromaClient(chromaClientArgs(this.#url));
      isolateClients.set(this.#url, this.#chroma);
    }
    return this.#chroma;
  }

  /**
   * Runs `use` on the collection, opened from the isolate's handles when it can be. When the handle was a
   * kept one and `use` fails as a gone or replaced collection would, the handle is dropped and `use` runs
   * once more on the collection as it is now (created again for a write).
   */
  async #withCollection<T>(
    collection: VectorCollection,
    createWith: EmbeddingSpec | undefined,
    use: (col: Collection) => Promise<T>,
  ): Promise<T | undefined> {
    const key = this.#key(collection);
    const kept = isolateCollections.get(key);
    if (kept) {
      try {
        return await use(kept);
      } catch (error) {
        if (!staleHandle(error)) throw error;
        if (isolateCollections.get(key) === kept) isolateCollections.delete(key);
      }
    }
    const col = createWith ? await this.#open(collection, createWith) : await this.#open(collection);
    return col && use(col);
  }

  #key(collection: VectorCollection): string {
    return `${this.#url} ${this.#name(collection)}`;
  }

  async upsert(
    collection: VectorCollection,
    records: readonly VectorRecord[],
    spec: EmbeddingSpec,
    options: ChromaUpsertOptions = {},
  ): Promise<void> {
    const name = this.#name(collection);
    const parsed = this.#parseRecords(name, records);
    // Checked before creating the collection too, so a bad first write cannot pin a wrong spec.
    assertMatchesPin(name, spec, spec, parsed);
    const declared = this.#declared[collection];
    if (declared) this.#assertDeclared(name, declared, parsed);
    if (parsed.length === 0) return;
    // Chunk by chunk: a retry on a reopened collection re-sends only the chunk that failed (upserts repeat
    // safely), and the pin is checked against the collection each chunk goes to.
    for (let start = 0; start < parsed.length; start += UPSERT_CHUNK) {
      const chunk = parsed.slice(start, start + UPSERT_CHUNK);
      await this.#withCollection(collection, spec, async (col) => {
        assertMatchesPin(name, this.#pinOf(name, col), spec, chunk);
        // Nulls remove keys only on a server that takes packed vectors (Chroma 1.x, checked against it);
        // an older one is read first, as a collection without declared keys is.
        const clearing = declared && (await this.#client.supportsBase64Encoding()) ? declared : undefined;
        if (!clearing && !options.noStaleKeys) await this.#dropStaleMetadata(name, col, chunk);
        await this.#run('upsert', name, () => this.#upsertChunk(col, chunk, clearing));
      });
    }
  }

  async query(
    collection: VectorCollection,
    embedding: readonly number[],
    k: number,
    where: Record<string, string | number | boolean> = {},
    madeWith?: EmbeddingSpec,
  ): Promise<VectorMatch[]> {
    const name = this.#name(collection);
    if (k < 1) return [];
    const result = await this.#withCollection(collection, undefined, async (col) => {
      const pin = this.#pinOf(name, col);
      if (madeWith && (madeWith.model !== pin.model || madeWith.dimension !== pin.dimension)) {
        throw new VectorSchemaMismatchError(name, pin, madeWith);
      }
      if (embedding.length !== pin.dimension) {
        throw new VectorSchemaMismatchError(name, pin, { model: pin.model, dimension: embedding.length });
      }
      return this.#run('query', name, () =>
        col.query({
          queryEmbeddings: [[...embedding]],
          nResults: Math.floor(k),
          where: toWhere(where),
          include: ['documents', 'metadatas', 'distances', 'embeddings'],
        }),
      );
    });
    if (!result) return [];
    const ids = result.ids[0] ?? [];
    return ids.map((id, i) => ({
      id,
      embedding: result.embeddings[0]?.[i] ?? [],
      document: result.documents[0]?.[i] ?? '',
      metadata: (result.metadatas[0]?.[i] ?? {}) as Record<string, string | number | boolean>,
      distance: result.distances[0]?.[i] ?? Number.NaN,
    }));
  }

  async count(collection: VectorCollection): Promise<number> {
    const name = this.#name(collection);
    return (
      (await this.#withCollection(collection, undefined, (col) =>
        this.#run('count', name, () => col.count()),
      )) ?? 0
    );
  }

  async delete(collection: VectorCollection, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return; // Chroma refuses an empty id list; deleting nothing is a no-op.
    const name = this.#name(collection);
    await this.#withCollection(collection, undefined, (col) =>
      this.#run('delete', name, () => col.delete({ ids: [...ids] })),
    );
  }

  /** Asked of Chroma each time (not from a kept handle): a re-embed decides on what is there now. */
  async pinned(collection: VectorCollection): Promise<EmbeddingSpec | undefined> {
    const col = await this.#open(collection);
    return col && this.#pinOf(this.#name(collection), col);
  }

  /**
   * The collection itself, for readers that need Chroma's own API (an integrity report's ranged reads): as
   * Chroma has it now (asked each time, then kept for this isolate's writes), created pinned to `spec` when
   * absent. A collection pinned otherwise is a hard stop (`VectorSchemaMismatchError`).
   */
  async collection(collection: VectorCollection, spec: EmbeddingSpec): Promise<Collection> {
    const name = this.#name(collection);
    const col = await this.#open(collection, spec);
    const pin = this.#pinOf(name, col);
    if (pin.model !== spec.model || pin.dimension !== spec.dimension) {
      throw new VectorSchemaMismatchError(name, pin, spec);
    }
    return col;
  }

  /** Deletes the collection (absent is fine) and forgets this isolate's handle to it. */
  async drop(collection: VectorCollection): Promise<void> {
    const name = this.#name(collection);
    isolateCollections.delete(this.#key(collection));
    try {
      await this.#client.deleteCollection({ name });
    } catch (error) {
      if (error instanceof ChromaNotFoundError) return;
      throw this.#wrap('deleteCollection', name, error);
    }
  }

  /** `clearing`: the declared keys, each written (null where a record has none) so no old value stays. */
  async #upsertChunk(
    col: Collection,
    chunk: readonly VectorRecord[],
    clearing?: readonly string[],
  ): Promise<void> {
    const ids = chunk.map((r) => r.id);
    const documents = chunk.map((r) => r.document);
    const metadatas = clearing
      ? chunk.map((r) => everyKey(r.metadata, clearing))
      : // Chroma refuses an empty metadata object; null means "none".
        chunk.map((r) => (Object.keys(r.metadata).length > 0 ? r.metadata : null));
    if (await this.#client.supportsBase64Encoding()) {
      await this.#upsertPacked(col, {
        ids,
        // Base64 of the float32 values (little-endian): Chroma's packed embedding form.
        embeddings: chunk.map((r) => packVector(r.embedding, 'f32')),
        documents,
        metadatas,
      });
      return;
    }
    await col.upsert({
      ids,
      embeddings: chunk.map((r) => [...r.embedding]),
      documents,
      metadatas: metadatas as Metadata[],
    });
  }

  /**
   * The body the client would send (its records are already validated here), with each vector as base64 of
   * its float32 values, which is how the client sends them to such a server and how Chroma stores them.
   */
  async #upsertPacked(
    col: Collection,
    body: {
      ids: string[];
      embeddings: string[];
      documents: string[];
      metadatas: Array<WrittenMetadata | null>;
    },
  ): Promise<void> {
    const path = [col.tenant, col.database, col.id].map(encodeURIComponent);
    let response: Response;
    try {
      response = await fetch(
        `${new URL(this.#url).origin}/api/v2/tenants/${path[0]}/databases/${path[1]}/collections/${path[2]}/upsert`,
        { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
      );
    } catch (error) {
      throw new ChromaConnectionError(
        `Failed to connect to chromadb: ${error instanceof Error ? error.message : String(error)}`,
        error,
      );
    }
    // As the client answers a 404: the collection is gone (deleted behind a kept handle).
    if (response.status === 404) throw new ChromaNotFoundError('The requested resource could not be found');
    if (!response.ok) {
      // As the client's own errors for an answered request: a failed upsert, not an unreachable store.
      const detail = (await response.text().catch(() => '')).slice(0, 500);
      throw new Error(`upsert answered ${response.status} ${response.statusText}: ${detail}`);
    }
  }

  /**
   * Chroma's upsert merges metadata into what a record had (and ignores nulls), so a rewrite that drops a
   * key would keep the old value and still match filters on it. Records that would keep such a key are
   * deleted first, so a redelivered or re-embedded record ends up exactly as written.
   */
  async #dropStaleMetadata(name: string, col: Collection, records: readonly VectorRecord[]): Promise<void> {
    const existing = await this.#run('get', name, () =>
      col.get({ ids: records.map((r) => r.id), include: ['metadatas'] }),
    );
    const incoming = new Map(records.map((r) => [r.id, r.metadata]));
    const stale = existing.ids.filter((id, i) => {
      const next = incoming.get(id) ?? {};
      return Object.keys(existing.metadatas[i] ?? {}).some((key) => !(key in next));
    });
    if (stale.length > 0) await this.#run('delete', name, () => col.delete({ ids: stale }));
  }

  /** Refuses a record holding a key its collection does not declare: no later write would clear it. */
  #assertDeclared(name: string, declared: readonly string[], records: readonly VectorRecord[]): void {
    const allowed = new Set(declared);
    for (const r of records) {
      const other = Object.keys(r.metadata).find((key) => !allowed.has(key));
      if (other !== undefined) {
        throw new NonRetriableError(
          `invalid vector records for ${name}: ${r.id} has metadata key "${other}", which the collection ` +
            `does not declare (${declared.join(', ')})`,
          this.#scope,
        );
      }
    }
  }

  #name(collection: VectorCollection): string {
    return (
      this.#names[collection] ?? vectorCollectionName(this.#scope.provider, this.#scope.tenant, collection)
    );
  }

  #parseRecords(name: string, records: readonly VectorRecord[]): VectorRecord[] {
    const result = z.array(RecordInput).safeParse(records);
    if (!result.success) {
      const issues = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      throw new NonRetriableError(`invalid vector records for ${name}: ${issues}`, this.#scope);
    }
    return result.data;
  }

  #pinOf(name: string, col: Collection): EmbeddingSpec {
    const pin = Pin.safeParse(col.metadata ?? {});
    if (!pin.success) throw new UnpinnedVectorCollectionError(name, this.#scope);
    return { model: pin.data[PIN_MODEL_KEY], dimension: pin.data[PIN_DIMENSION_KEY] };
  }

  /**
   * The collection as Chroma has it now (kept for the isolate); created (pinned to `createWith`) when absent
   * and a spec is given, else undefined.
   */
  async #open(collection: VectorCollection, createWith: EmbeddingSpec): Promise<Collection>;
  async #open(collection: VectorCollection): Promise<Collection | undefined>;
  async #open(collection: VectorCollection, createWith?: EmbeddingSpec): Promise<Collection | undefined> {
    const name = this.#name(collection);
    let col = await this.#get(name);
    if (!col && createWith) col = await this.#create(name, createWith, CHUNKER_VERSIONS[collection]);
    if (col) rememberCollection(this.#key(collection), col);
    return col;
  }

  async #get(name: string): Promise<Collection | undefined> {
    try {
      return await this.#client.getCollection({ name });
    } catch (error) {
      if (error instanceof ChromaNotFoundError) return undefined;
      throw this.#wrap('getCollection', name, error);
    }
  }

  /** Creates the pinned collection; when another writer created it first, uses theirs (and its pin). */
  async #create(name: string, spec: EmbeddingSpec, chunker: string): Promise<Collection> {
    try {
      return await this.#client.createCollection({
        name,
        embeddingFunction: null,
        configuration: { hnsw: { space: 'cosine' } },
        metadata: {
          [PIN_MODEL_KEY]: spec.model,
          [PIN_DIMENSION_KEY]: spec.dimension,
          [TARGET_KEY]: this.#target,
          [CHUNKER_KEY]: chunker,
        },
      });
    } catch (error) {
      if (!(error instanceof ChromaUniqueError)) throw this.#wrap('createCollection', name, error);
      const existing = await this.#get(name);
      if (!existing) throw this.#wrap('createCollection', name, error);
      return existing;
    }
  }

  async #run<T>(operation: string, name: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw this.#wrap(operation, name, error);
    }
  }

  #wrap(operation: string, name: string, error: unknown): Error {
    if (error instanceof AgentError) return error;
    const detail = `${name}: ${error instanceof Error ? error.message : String(error)}`;
    if (error instanceof ChromaConnectionError || error instanceof TypeError) {
      return new StoreUnavailableError(`Chroma unreachable during ${operation} on ${detail}`, this.#scope, {
        cause: error,
      });
    }
    return new AgentError(`Chroma ${operation} failed on ${detail}`, this.#scope, { cause: error });
  }
}
