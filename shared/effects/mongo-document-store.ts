/**
 * The DocumentStore port over MongoDB (or any MongoDB-wire server such as FerretDB), through the official
 * driver: database `promethean_<provider>_<tenant>`, collections `messages`, `attachments`, `jobs`, `voice` (one
 * record per document, unique on `{provider, tenant, foreign_id}`), each with a `<name>.slots` slot log.
 *
 * Concurrency, without lost slots on either server:
 * 1. Every delivered slot version is inserted into the slot log (`mongo-slot-log.ts`) — insert-only, with
 *    a deterministic `_id`, so racing writers never overwrite each other and redeliveries are duplicates.
 * 2. The document record is then rebuilt from all of its slot records (`mergeDocument`, in arrival order)
 *    and written back; then the log is read again, and if another writer added records meanwhile, the
 *    record is rebuilt once more (bounded by `MAX_ROUNDS`). Whoever writes a record last has checked
 *    afterwards that the log did not move, so at rest every record equals the merge of its whole log.
 * Two shortcuts skip the reads of step 2 where they cannot change the outcome (FerretDB answers them by
 * scanning the collection): a document with no record yet gets one inserted from this call's own records,
 * and a pure redelivery whose slots the record already holds writes nothing (see each method).
 *
 * Why not a conditional update: FerretDB v1.24 evaluates an update's filter, then replaces the document by
 * `_id` without re-checking it (its SQLite handler does not run updates in a transaction; FerretDB issue
 * #3040), so compare-and-set on a revision field, `$set` per slot and even `$inc` all lose writes under
 * concurrency there; it also refuses update pipelines. Inserts against a unique `_id` are the one atomic
 * primitive both servers share. A writer that dies between steps 1 and 2 leaves its slots in the log; the
 * next write of that document, or the redelivery of the same message, rebuilds the record from them.
 */
import {
  type AnyBulkWriteOperation,
  type Collection,
  type Filter,
  MongoBulkWriteError,
  type MongoClient,
  MongoNetworkError,
  MongoNotConnectedError,
  MongoOperationTimeoutError,
  MongoServerClosedError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
} from 'mongodb';
import { z } from 'zod';
import { AgentError } from '../agent/agent-errors.ts';
import { ensureMongoMarker } from '../migrations/mongo-target-marker.ts';
import type { DataTarget } from '../migrations/target-marker.ts';
import {
  CHANGES_MAX,
  type DocumentChange,
  type DocumentChangeLog,
  type ScanPage,
} from './document-change-log.ts';
import {
  type DocumentCollection,
  type DocumentStore,
  documentSortKey,
  FIND_DEFAULT_LIMIT,
  type FindOptions,
  mergeDocument,
  NEAR_DUPLICATE_INDEX_KEYS,
  type StoredDocument,
  type UpsertOptions,
  type UpsertResult,
} from './document-store.ts';
import {
  type DocumentScope,
  parseCollection,
  parseCountOptions,
  parseDocuments,
  parseFind,
  parseForeignId,
  parseForeignIds,
  parseUpsertOptions,
} from './document-validation.ts';
import {
  fromMongoRecord,
  type MongoDocumentRecord,
  mongoDatabaseName,
  recordHolds,
  toMongoRecord,
} from './mongo-document-codec.ts';
import { foldSlotRecords, type SlotRecord, slotRecordsOf } from './mongo-slot-log.ts';
import { scanSlotPage } from './mongo-slot-scan.ts';
import { DocumentWriteConflictError, StoreUnavailableError } from './storage-errors.ts';

/** Where each tenant database keeps its change log (`_id` is the sequence). */
export const CHANGES_COLLECTION = 'promethean_changes';
/** How many times an append may lose its sequences to other writers before the call is retried later. */
const MAX_CHANGE_ROUNDS = 64;

interface ChangeRecord {
  _id: number;
  collection: DocumentCollection;
  foreign_id: string;
  at: number;
}

/** How many rebuild rounds a document gets while other writers keep adding to its log. */
export const MAX_ROUNDS = 16;

/** The unique key of document records (the index every adapter's contract checks). */
export const UNIQUE_KEY_INDEX = 'provider_1_tenant_1_foreign_id_1';
const SORT_INDEX = 'provider_1_tenant_1_deleted_1_sort_key_-1';
const CHANNEL_INDEX = 'provider_1_tenant_1_index.channel_id_1_sort_key_-1';

/** The name of a `pages` near-duplicate index (as the contract catalog's `MONGO_PAGE_INDEXES` declares it). */
function pageIndexName(key: (typeof NEAR_DUPLICATE_INDEX_KEYS)[number]): string {
  return `provider_1_tenant_1_index.${key}_1_sort_key_-1`;
}
const DUPLICATE_KEY = 11000;
/** The most statements one update command carries (FerretDB v1.24 hangs at 100; see `#bulkWrite`). */
export const UPDATE_CHUNK = 50;
/** From this many replaced records on, a rebuild deletes and re-inserts them in bulk (see `#writeRecords`). */
export const REPLACE_BY_DELETE_MIN = 8;

/** Collections whose indexes a client has ensured (`<database>.<collection>` → done). */
const indexedCollections = new WeakMap<MongoClient, Map<string, Promise<void>>>();

interface Collections {
  documents: Collection<MongoDocumentRecord>;
  slots: Collection<SlotRecord>;
}

/** Errors that mean "the server is not reachable right now", as opposed to a refused operation. */
function isUnavailable(error: unknown): boolean {
  return (
    error instanceof MongoNetworkError ||
    error instanceof MongoServerSelectionError ||
    error instanceof MongoNotConnectedError ||
    error instanceof MongoTopologyClosedError ||
    error instanceof MongoServerClosedError ||
    error instanceof MongoOperationTimeoutError ||
    // The driver reports a batch that failed for a reason of its own (the connection, not the data) as a
    // bulk error without write errors; writes are idempotent here, so retrying it is always safe.
    (error instanceof MongoBulkWriteError && !hasWriteErrors(error) && error.err === undefined)
  );
}

function hasWriteErrors(error: MongoBulkWriteError): boolean {
  return Array.isArray(error.writeErrors) ? error.writeErrors.length > 0 : error.writeErrors !== undefined;
}

/** The record ids a log read saw per document, to notice a log that moved. */
function logSignature(records: readonly SlotRecord[]): string {
  return records
    .map((r) => r._id)
    .sort()
    .join('\n');
}

export class MongoDocumentStore implements DocumentStore, DocumentChangeLog {
  readonly #client: MongoClient;
  readonly #scope: DocumentScope;
  readonly #target: DataTarget;
  /** The last change-log sequence this store appended (a warm store skips the head read). */
  #lastSeq: number | undefined;

  /**
   * `client` stays owned by the caller (a Durable Object keeps it warm across requests). `target` is the
   * marker a database this store creates gets (`working` unless told otherwise: only a database that says
   * so is ever treated as disposable).
   */
  constructor(client: MongoClient, scope: DocumentScope, options: { target?: DataTarget } = {}) {
    this.#client = client;
    this.#scope = { provider: scope.provider, tenant: scope.tenant };
    this.#target = options.target ?? 'working';
  }

  /** The database this tenant's collections live in. */
  get databaseName(): string {
    return mongoDatabaseName(this.#scope.provider, this.#scope.tenant);
  }

  async upsertMany(
    collection: DocumentCollection,
    docs: readonly StoredDocument[],
    options?: UpsertOptions,
  ): Promise<UpsertResult> {
    const name = parseCollection(collection, this.#scope);
    const incoming = parseDocuments(docs, this.#scope);
    const { returnDocuments } = parseUpsertOptions(options, this.#scope);
    if (incoming.length === 0) return { written: 0, unchanged: 0, ...(returnDocuments && { documents: [] }) };
    const cols = await this.#collections(name);
    const arrivedAt = Date.now();
    const deliveries = incoming.map((doc, position) => slotRecordsOf(doc, arrivedAt, position));
    const records = deliveries.flat();
    const duplicates = await this.#bulkWrite(
      'insert slot records',
      cols.slots,
      records.map((document) => ({ insertOne: { document } })),
    );
    const redelivered = await this.#redeliveriesAlreadyHeld(cols.documents, incoming, records, duplicates);
    const ids = [...new Set(incoming.map((d) => d.foreign_id))];
    // The change is its slot records (reads fold the log); the entry follows them and precedes the record
    // that caches them, so a writer dying in between is redelivered, finds its record stale and logs again.
    await this.#appendChanges(
      name,
      ids.filter((id) => !redelivered.has(id)),
    );
    const firsts = await this.#insertFirstRecords(cols.documents, records, duplicates);
    const rest = ids.filter((id) => !firsts.has(id) && !redelivered.has(id));
    const rebuilt = await this.#rebuild(name, cols, rest);
    const changed = rebuilt.changed;
    for (const first of firsts.values()) for (const id of first.changed) changed.add(id);
    // A delivery counts as written when a record it inserted itself (not a duplicate) changed its document.
    let next = 0;
    let written = 0;
    for (const delivery of deliveries) {
      const positions = delivery.map(() => next++);
      if (positions.some((p) => !duplicates.has(p) && changed.has(records[p]!._id))) written++;
    }
    const result = { written, unchanged: incoming.length - written };
    if (!returnDocuments) return result;
    const merged = (id: string) => firsts.get(id)?.doc ?? redelivered.get(id) ?? rebuilt.documents.get(id);
    return { ...result, documents: ids.flatMap((id) => merged(id) ?? []) };
  }

  /**
   * Folds the document from its slot log, the source of truth: exact even in the moment after a writer
   * died between logging its slots and rewriting the record (`find` and `count` read records).
   */
  async get(collection: DocumentCollection, foreignId: string): Promise<StoredDocument | undefined> {
    const { slots } = await this.#collections(parseCollection(collection, this.#scope));
    const id = parseForeignId(foreignId, this.#scope);
    const logs = await this.#readLogs(slots, [id]);
    return foldSlotRecords(logs.get(id) ?? []).doc;
  }

  /** Folds several documents from one read of their slot logs. */
  async getMany(collection: DocumentCollection, foreignIds: readonly string[]): Promise<StoredDocument[]> {
    const { slots } = await this.#collections(parseCollection(collection, this.#scope));
    const ids = parseForeignIds(foreignIds, this.#scope);
    if (ids.length === 0) return [];
    const logs = await this.#readLogs(slots, ids);
    return ids.flatMap((id) => {
      const doc = foldSlotRecords(logs.get(id) ?? []).doc;
      return doc ? [doc] : [];
    });
  }

  async find(
    collection: DocumentCollection,
    index: Record<string, string>,
    options: FindOptions = {},
  ): Promise<StoredDocument[]> {
    const { documents } = await this.#collections(parseCollection(collection, this.#scope));
    const { index: where, options: o } = parseFind(index, options, this.#scope);
    const filter: Filter<MongoDocumentRecord> = { ...this.#scope };
    if (!o.includeDeleted) filter.deleted = false;
    if (o.before !== undefined) filter.sort_key = { $lt: documentSortKey(o.before) };
    for (const [key, value] of Object.entries(where)) {
      (filter as Record<string, unknown>)[`index.${key}`] = value;
    }
    const records = await this.#run('find', () =>
      documents
        .find(filter, { projection: { _id: 0 } })
        .sort({ sort_key: -1 })
        .limit(o.limit ?? FIND_DEFAULT_LIMIT)
        .toArray(),
    );
    return records.map(fromMongoRecord);
  }

  async count(collection: DocumentCollection, options: { includeDeleted?: boolean } = {}): Promise<number> {
    const { documents } = await this.#collections(parseCollection(collection, this.#scope));
    const o = parseCountOptions(options, this.#scope);
    const filter: Filter<MongoDocumentRecord> = {
      ...this.#scope,
      ...(!o.includeDeleted && { deleted: false }),
    };
    return this.#run('count', () => documents.countDocuments(filter));
  }

  async changeHead(): Promise<number> {
    const changes = this.#changes();
    const newest = await this.#run('read change head', () =>
      changes
        .find({}, { projection: { _id: 1 } })
        .sort({ _id: -1 })
        .limit(1)
        .toArray(),
    );
    return newest[0]?._id ?? 0;
  }

  async changesAfter(after: number, limit: number): Promise<DocumentChange[]> {
    const from = z.number().int().min(0).parse(after);
    const n = z.number().int().min(1).max(CHANGES_MAX).parse(limit);
    const changes = this.#changes();
    const entries = await this.#run('read changes', () =>
      changes
        .find({ _id: { $gt: from } })
        .sort({ _id: 1 })
        .limit(n)
        .toArray(),
    );
    return entries.map((e) => ({ seq: e._id, collection: e.collection, foreign_id: e.foreign_id }));
  }

  /**
   * A page of documents folded from their slot logs (exact even for a record a writer left stale), read
   * from a scan kept open between pages (`mongo-slot-scan.ts`: one query per scan, not per page).
   */
  async scanPage(collection: DocumentCollection, after: string | null, limit: number): Promise<ScanPage> {
    const name = parseCollection(collection, this.#scope);
    const n = z.number().int().min(1).max(CHANGES_MAX).parse(limit);
    const cols = await this.#collections(name);
    return this.#run('scan slot records', () =>
      scanSlotPage(this.#client, cols.slots, this.#scope, after, n),
    );
  }

  async purge(collection: DocumentCollection): Promise<number> {
    const name = parseCollection(collection, this.#scope);
    const cols = await this.#collections(name);
    const n = await this.#run('count before purge', () => cols.documents.countDocuments({ ...this.#scope }));
    await this.#run('purge documents', async () => {
      await cols.documents.deleteMany({ ...this.#scope });
      await cols.slots.deleteMany({ ...this.#scope });
    });
    return n;
  }

  /** See `DocumentChangeLog.restore`: the slot logs and records of those ids are replaced by the given ones. */
  async restore(
    collection: DocumentCollection,
    _scope: DocumentScope, // this store is one tenant's: `remove` names its documents
    docs: readonly StoredDocument[],
    remove: readonly string[],
  ): Promise<number> {
    const name = parseCollection(collection, this.#scope);
    const incoming = parseDocuments(docs, this.#scope);
    const removed = parseForeignIds(remove, this.#scope);
    const ids = [...new Set([...incoming.map((d) => d.foreign_id), ...removed])];
    if (ids.length === 0) return 0;
    const cols = await this.#collections(name);
    // The entries come first, as for any change: a repair dying halfway is seen by a tailer and redone.
    await this.#appendChanges(name, ids);
    const arrivedAt = Date.now();
    await this.#run('restore documents', async () => {
      await cols.slots.deleteMany({ ...this.#scope, foreign_id: { $in: ids } });
      await cols.documents.deleteMany({ ...this.#scope, foreign_id: { $in: ids } });
      const slots = incoming.flatMap((doc, position) => slotRecordsOf(doc, arrivedAt, position));
      if (slots.length > 0) await cols.slots.insertMany(slots, { ordered: false });
      if (incoming.length > 0)
        await cols.documents.insertMany(incoming.map(toMongoRecord), { ordered: false });
    });
    return incoming.length + removed.length;
  }

  #changes(): Collection<ChangeRecord> {
    return this.#client.db(this.databaseName).collection<ChangeRecord>(CHANGES_COLLECTION);
  }

  /**
   * Appends one entry per id at the next sequences. Sequences are `_id`s taken by insert (the one atomic
   * primitive FerretDB shares with MongoDB): a writer reads the newest and inserts the ones after it,
   * ordered; one that lost a race to a sequence re-reads and goes on from there. Every insert of `k` needs
   * `k - 1` to have existed when the newest was read, so the log never has a gap and entries become
   * visible in sequence order — a tailer that read up to `k` never later finds an entry below `k`.
   */
  async #appendChanges(collection: DocumentCollection, foreignIds: readonly string[]): Promise<void> {
    let pending = [...foreignIds];
    const changes = this.#changes();
    const at = Date.now();
    for (let round = 1; pending.length > 0; round++) {
      if (round > MAX_CHANGE_ROUNDS) {
        throw new StoreUnavailableError(
          `change log of ${this.databaseName}: ${MAX_CHANGE_ROUNDS} rounds lost to other writers`,
          this.#scope,
        );
      }
      // The sequence this store appended last existed, so it is a safe start (no gap can follow it); a
      // guess that other writers have passed costs one refused insert and a read.
      const head = round === 1 && this.#lastSeq !== undefined ? this.#lastSeq : await this.changeHead();
      const entries = pending.map((foreign_id, i) => ({ _id: head + 1 + i, collection, foreign_id, at }));
      try {
        await changes.insertMany(entries, { ordered: true });
        this.#lastSeq = entries[entries.length - 1]!._id;
        return;
      } catch (error) {
        if (!(error instanceof MongoBulkWriteError) || !hasWriteErrors(error)) {
          throw this.#wrap('append changes', error);
        }
        const writeErrors = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
        const first = writeErrors[0];
        if (!first || first.code !== DUPLICATE_KEY) throw this.#wrap('append changes', error);
        // Ordered: everything before the refused entry is in; go on from it after a fresh read.
        pending = pending.slice(first.index);
      }
    }
  }

  /**
   * Rebuilds the records of `foreignIds` from their slot logs until a read after the write finds each log
   * unchanged. Returns the slot record ids that changed their document in the final fold, and that fold.
   */
  async #rebuild(
    name: DocumentCollection,
    cols: Collections,
    foreignIds: readonly string[],
  ): Promise<{ changed: Set<string>; documents: Map<string, StoredDocument> }> {
    const changedBy = new Map<string, Set<string>>();
    const documents = new Map<string, StoredDocument>();
    if (foreignIds.length === 0) return { changed: new Set(), documents };
    let pending = [...foreignIds];
    let logs = await this.#readLogs(cols.slots, pending);
    for (let round = 1; pending.length > 0; round++) {
      if (round > MAX_ROUNDS) throw new DocumentWriteConflictError(name, pending, MAX_ROUNDS, this.#scope);
      const stored = await this.#readDocuments(cols.documents, pending);
      const writes: Array<{ record: MongoDocumentRecord; exists: boolean }> = [];
      const written: string[] = [];
      for (const id of pending) {
        const { doc, changed } = foldSlotRecords(logs.get(id) ?? []);
        changedBy.set(id, changed);
        if (doc) documents.set(id, doc);
        const current = stored.get(id);
        if (!doc || recordHolds(current, doc)) continue;
        writes.push({ record: toMongoRecord(doc), exists: current !== undefined });
        written.push(id);
      }
      // Two first writes of one document race to insert its record: the loser rebuilds next round.
      const raced = await this.#writeRecords(cols.documents, writes);
      const after = await this.#readLogs(cols.slots, written);
      // Only a writer that wrote must check its write against the log; the others leave it to the last one.
      pending = written.filter(
        (id, i) => raced.has(i) || logSignature(after.get(id) ?? []) !== logSignature(logs.get(id) ?? []),
      );
      logs = after;
    }
    return { changed: new Set([...changedBy.values()].flatMap((ids) => [...ids])), documents };
  }

  /**
   * Writes rebuilt records; answers the positions refused because another writer inserted the record first
   * (that writer's fold may miss slots, so the caller rebuilds those next round).
   *
   * A few replacements go by `replaceOne` on `_id`. Many (a CDC batch, a re-delivered page) go as one
   * `deleteMany` by `_id` and one insert of every record: FerretDB v1.24 (SQLite) answers each replace
   * statement with two scans of the whole collection (it filters on an `_id` expression its index does not
   * match), so a batch of k replaces cost k·N, and the CDC drain of a 20,000-document move took minutes; the
   * delete is one scan for the batch and inserts use the unique index. The price: between the two commands,
   * `find` and `count` (which read records) miss those documents; `get`/`getMany` fold the slot log and
   * are unaffected. A writer whose first-record insert lands in that gap is safe: our insert of that record is
   * then refused and rebuilt from the whole log, which holds the other writer's slots (logged before its
   * insert). A writer dying between the two is redelivered, finds no record and inserts it (`#rebuild`).
   */
  async #writeRecords(
    documents: Collection<MongoDocumentRecord>,
    writes: ReadonlyArray<{ record: MongoDocumentRecord; exists: boolean }>,
  ): Promise<Set<number>> {
    const replacing = writes.filter((w) => w.exists).map((w) => w.record._id);
    if (replacing.length < REPLACE_BY_DELETE_MIN) {
      return this.#bulkWrite(
        'write documents',
        documents,
        writes.map(({ record, exists }) =>
          exists
            ? { replaceOne: { filter: { _id: record._id }, replacement: record } }
            : { insertOne: { document: record } },
        ),
      );
    }
    await this.#run('delete replaced documents', () => documents.deleteMany({ _id: { $in: replacing } }));
    return this.#bulkWrite(
      'insert replaced documents',
      documents,
      writes.map(({ record }) => ({ insertOne: { document: record } })),
    );
  }

  /**
   * The write path of a document nobody has written yet (every backfilled message): when every slot record
   * this call delivered for a document is new, its record is inserted straight from those records, with no
   * read of the log or of the records. The insert is only safe because it can only succeed first: any writer
   * that delivers to the document later (or lost the race) finds the record and rebuilds it from the whole
   * log (`#rebuild`), and a writer that died between logging and writing is redelivered and rebuilds too.
   * Returns, per document inserted here, the document and the record ids that changed it.
   */
  async #insertFirstRecords(
    documents: Collection<MongoDocumentRecord>,
    records: readonly SlotRecord[],
    duplicates: ReadonlySet<number>,
  ): Promise<Map<string, { doc: StoredDocument; changed: Set<string> }>> {
    const byDocument = new Map<string, SlotRecord[]>();
    const refused = new Set<string>();
    records.forEach((record, position) => {
      if (duplicates.has(position)) refused.add(record.foreign_id);
      const own = byDocument.get(record.foreign_id);
      if (own) own.push(record);
      else byDocument.set(record.foreign_id, [record]);
    });
    const candidates = [...byDocument].filter(([id]) => !refused.has(id));
    const folds = candidates.flatMap(([id, own]) => {
      const { doc, changed } = foldSlotRecords(own);
      return doc ? [{ id, doc, changed }] : [];
    });
    const raced = await this.#bulkWrite(
      'insert new documents',
      documents,
      folds.map(({ doc }) => ({ insertOne: { document: toMongoRecord(doc) } })),
    );
    return new Map(
      folds
        .filter((_, position) => !raced.has(position))
        .map(({ id, doc, changed }) => [id, { doc, changed }]),
    );
  }

  /**
   * Documents this call only redelivered (every record it logged for them was already there) whose record
   * already holds what the call delivered: nothing to write. A redelivery needs no read of the log because
   * the records it found were logged by writers that either rebuild the document themselves or, if they
   * died, are redelivered and land in `#rebuild` because their record did not hold their slots; and once a
   * record holds a slot, every later writer folds that slot in (it checks the log after writing). This is
   * what makes a second agent's write of the same page (indexer and embedder) one read instead of three.
   */
  async #redeliveriesAlreadyHeld(
    documents: Collection<MongoDocumentRecord>,
    incoming: readonly StoredDocument[],
    records: readonly SlotRecord[],
    duplicates: ReadonlySet<number>,
  ): Promise<Map<string, StoredDocument>> {
    const logged = new Set(
      records.filter((_, position) => !duplicates.has(position)).map((r) => r.foreign_id),
    );
    const onlyRedelivered = [...new Set(incoming.map((d) => d.foreign_id))].filter((id) => !logged.has(id));
    const stored = await this.#readDocuments(documents, onlyRedelivered);
    const held = new Map<string, StoredDocument>();
    for (const id of onlyRedelivered) {
      const record = stored.get(id);
      if (!record) continue;
      let merged = fromMongoRecord(record);
      for (const doc of incoming) if (doc.foreign_id === id) merged = mergeDocument(merged, doc).doc;
      if (recordHolds(record, merged)) held.set(id, merged);
    }
    return held;
  }

  async #readLogs(
    slots: Collection<SlotRecord>,
    foreignIds: readonly string[],
  ): Promise<Map<string, SlotRecord[]>> {
    // FerretDB scans the whole collection even for an empty `$in`.
    if (foreignIds.length === 0) return new Map();
    const records = await this.#run('read slot records', () =>
      slots.find({ ...this.#scope, foreign_id: { $in: [...foreignIds] } }).toArray(),
    );
    const logs = new Map<string, SlotRecord[]>();
    for (const record of records) {
      const log = logs.get(record.foreign_id);
      if (log) log.push(record);
      else logs.set(record.foreign_id, [record]);
    }
    return logs;
  }

  async #readDocuments(
    documents: Collection<MongoDocumentRecord>,
    foreignIds: readonly string[],
  ): Promise<Map<string, MongoDocumentRecord>> {
    if (foreignIds.length === 0) return new Map();
    const records = await this.#run('read documents', () =>
      documents.find({ ...this.#scope, foreign_id: { $in: [...foreignIds] } }).toArray(),
    );
    return new Map(records.map((r) => [r.foreign_id, r]));
  }

  /**
   * Runs writes unordered; returns the positions refused as duplicate keys (any other failure throws).
   * Writes that contain updates go in chunks of `UPDATE_CHUNK`: FerretDB v1.24 (SQLite) never answers an
   * update command of 100 or more statements (it waits in its transaction until the client gives up), and
   * the driver sends consecutive `replaceOne`s as one command.
   */
  async #bulkWrite<T extends object>(
    operation: string,
    col: Collection<T>,
    ops: readonly AnyBulkWriteOperation<T>[],
  ): Promise<Set<number>> {
    if (ops.length === 0) return new Set();
    const chunk = ops.some((op) => !('insertOne' in op)) ? UPDATE_CHUNK : ops.length;
    const refused = new Set<number>();
    for (let start = 0; start < ops.length; start += chunk) {
      const part = ops.slice(start, start + chunk);
      for (const position of await this.#bulkWriteOnce(operation, col, part)) refused.add(start + position);
    }
    return refused;
  }

  async #bulkWriteOnce<T extends object>(
    operation: string,
    col: Collection<T>,
    ops: readonly AnyBulkWriteOperation<T>[],
  ): Promise<Set<number>> {
    try {
      await col.bulkWrite([...ops], { ordered: false });
      return new Set();
    } catch (error) {
      if (!(error instanceof MongoBulkWriteError)) throw this.#wrap(operation, error);
      if (!hasWriteErrors(error)) throw this.#wrap(operation, error);
      const writeErrors = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
      if (writeErrors.some((w) => w.code !== DUPLICATE_KEY)) {
        throw this.#wrap(operation, error);
      }
      return new Set(writeErrors.map((w) => w.index));
    }
  }

  /**
   * The collection pair, after its indexes exist: ensured once per client and collection. One
   * `createIndex` per index, not one `createIndexes` for all: FerretDB v1.24 panics in
   * `validateIndexesForCreation` (and drops the connection) when two or more requested indexes exist.
   */
  async #collections(name: DocumentCollection): Promise<Collections> {
    const db = this.#client.db(this.databaseName);
    const cols: Collections = {
      documents: db.collection<MongoDocumentRecord>(name),
      slots: db.collection<SlotRecord>(`${name}.slots`),
    };
    let perClient = indexedCollections.get(this.#client);
    if (!perClient) {
      perClient = new Map();
      indexedCollections.set(this.#client, perClient);
    }
    const key = `${this.databaseName}.${name}`;
    let ready = perClient.get(key);
    if (!ready) {
      const byKey = { provider: 1, tenant: 1, foreign_id: 1 } as const;
      ready = this.#run('createIndex', async () => {
        await cols.documents.createIndex(byKey, { name: UNIQUE_KEY_INDEX, unique: true });
        await cols.documents.createIndex(
          { provider: 1, tenant: 1, deleted: 1, sort_key: -1 },
          { name: SORT_INDEX },
        );
        // Readers page through one channel at a time (cephalon's context, the admin message list).
        await cols.documents.createIndex(
          { provider: 1, tenant: 1, 'index.channel_id': 1, sort_key: -1 },
          { name: CHANNEL_INDEX },
        );
        // The web crawler's near-duplicate lookups (each would otherwise read every page).
        if (name === 'pages') {
          for (const key of NEAR_DUPLICATE_INDEX_KEYS) {
            await cols.documents.createIndex(
              { provider: 1, tenant: 1, [`index.${key}`]: 1, sort_key: -1 },
              { name: pageIndexName(key) },
            );
          }
        }
        await cols.slots.createIndex(byKey, { name: 'provider_1_tenant_1_foreign_id_1' });
        // Every database the project creates carries its target marker (an existing one stands).
        await ensureMongoMarker(db, this.#target);
      });
      perClient.set(key, ready);
      ready.catch(() => perClient.delete(key));
    }
    await ready;
    return cols;
  }

  async #run<T>(operation: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw this.#wrap(operation, error);
    }
  }

  #wrap(operation: string, error: unknown): Error {
    if (error instanceof AgentError) return error;
    const where = `${this.databaseName}: ${error instanceof Error ? error.message : String(error)}`;
    if (isUnavailable(error)) {
      return new StoreUnavailableError(`MongoDB unreachable during ${operation} on ${where}`, this.#scope, {
        cause: error,
      });
    }
    return new AgentError(`MongoDB ${operation} failed on ${where}`, this.#scope, { cause: error });
  }
}
