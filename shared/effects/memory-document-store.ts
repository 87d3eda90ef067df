/**
 * An in-memory DocumentStore for tests and golden fixtures, with the same merge rule as real stores, and
 * the change log's read side (one entry per changed document, as the real stores write it).
 */
import type { DocumentChange, DocumentChangeLog, ScanPage } from './document-change-log.ts';
import {
  type DocumentCollection,
  type DocumentStore,
  documentSortKey,
  FIND_DEFAULT_LIMIT,
  type FindOptions,
  mergeDocument,
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

/** Values are kept as JSON, exactly as the SQLite and MongoDB adapters keep them. */
function jsonCopy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

export class MemoryDocumentStore implements DocumentStore, DocumentChangeLog {
  readonly #collections = new Map<DocumentCollection, Map<string, StoredDocument>>();
  readonly #changes: DocumentChange[] = [];
  readonly #scope: DocumentScope | undefined;

  /** With a scope, documents of any other provider or tenant are refused, as the real adapters do. */
  constructor(scope?: DocumentScope) {
    this.#scope = scope && { ...scope };
  }

  #collection(name: DocumentCollection): Map<string, StoredDocument> {
    let c = this.#collections.get(name);
    if (!c) {
      c = new Map();
      this.#collections.set(name, c);
    }
    return c;
  }

  async upsertMany(
    collection: DocumentCollection,
    docs: readonly StoredDocument[],
    options?: UpsertOptions,
  ): Promise<UpsertResult> {
    const name = parseCollection(collection, this.#scope);
    const c = this.#collection(name);
    const { returnDocuments } = parseUpsertOptions(options, this.#scope);
    let written = 0;
    const touched = new Set<string>();
    for (const incoming of parseDocuments(docs, this.#scope)) {
      const key = `${incoming.provider}/${incoming.tenant}/${incoming.foreign_id}`;
      touched.add(key);
      const { doc, changed } = mergeDocument(c.get(key), jsonCopy(incoming));
      if (changed) {
        c.set(key, doc);
        written++;
        this.#changes.push({ seq: this.#changes.length + 1, collection: name, foreign_id: doc.foreign_id });
      }
    }
    const result = { written, unchanged: docs.length - written };
    if (!returnDocuments) return result;
    return {
      ...result,
      documents: [...touched].flatMap((key) => (c.has(key) ? [jsonCopy(c.get(key)!)] : [])),
    };
  }

  async get(collection: DocumentCollection, foreignId: string): Promise<StoredDocument | undefined> {
    const id = parseForeignId(foreignId, this.#scope);
    for (const doc of this.#collection(parseCollection(collection, this.#scope)).values()) {
      if (doc.foreign_id === id) return jsonCopy(doc);
    }
    return undefined;
  }

  async getMany(collection: DocumentCollection, foreignIds: readonly string[]): Promise<StoredDocument[]> {
    const wanted = new Set(parseForeignIds(foreignIds, this.#scope));
    return [...this.#collection(parseCollection(collection, this.#scope)).values()]
      .filter((doc) => wanted.has(doc.foreign_id))
      .map(jsonCopy);
  }

  async find(
    collection: DocumentCollection,
    index: Record<string, string>,
    options: FindOptions = {},
  ): Promise<StoredDocument[]> {
    const { index: where, options: o } = parseFind(index, options, this.#scope);
    const before = o.before === undefined ? undefined : documentSortKey(o.before);
    // Each key is computed once, not once per comparison: a paged scan sorts the whole collection per page.
    const matches: Array<{ d: StoredDocument; key: string }> = [];
    for (const d of this.#collection(parseCollection(collection, this.#scope)).values()) {
      if (!o.includeDeleted && d.slots.deleted !== undefined) continue;
      const key = documentSortKey(d.foreign_id);
      if (before !== undefined && key >= before) continue;
      if (Object.entries(where).every(([k, v]) => d.index[k] === v)) matches.push({ d, key });
    }
    matches.sort((a, b) => (a.key < b.key ? 1 : a.key > b.key ? -1 : 0));
    return jsonCopy(matches.slice(0, o.limit ?? FIND_DEFAULT_LIMIT).map((m) => m.d));
  }

  async changeHead(): Promise<number> {
    return this.#changes.length;
  }

  async changesAfter(after: number, limit: number): Promise<DocumentChange[]> {
    return this.#changes.slice(Math.max(0, after), Math.max(0, after) + limit).map((e) => ({ ...e }));
  }

  async scanPage(collection: DocumentCollection, after: string | null, limit: number): Promise<ScanPage> {
    const keyed = [...this.#collection(parseCollection(collection, this.#scope)).values()]
      .map((d) => ({ d, key: documentSortKey(d.foreign_id) }))
      .filter((x) => x.key > (after ?? ''))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .slice(0, limit);
    return {
      documents: jsonCopy(keyed.map((x) => x.d)),
      next: keyed.length === limit ? keyed[keyed.length - 1]!.key : null,
    };
  }

  async purge(collection: DocumentCollection): Promise<number> {
    const c = this.#collection(parseCollection(collection, this.#scope));
    const n = c.size;
    c.clear();
    return n;
  }

  async restore(
    collection: DocumentCollection,
    scope: DocumentScope,
    docs: readonly StoredDocument[],
    remove: readonly string[],
  ): Promise<number> {
    const name = parseCollection(collection, this.#scope);
    const c = this.#collection(name);
    const log = (foreign_id: string) =>
      this.#changes.push({ seq: this.#changes.length + 1, collection: name, foreign_id });
    for (const id of parseForeignIds(remove, this.#scope)) {
      c.delete(`${scope.provider}/${scope.tenant}/${id}`);
      log(id);
    }
    const valid = parseDocuments(docs, this.#scope);
    for (const doc of valid) {
      c.set(`${doc.provider}/${doc.tenant}/${doc.foreign_id}`, jsonCopy(doc));
      log(doc.foreign_id);
    }
    return remove.length + valid.length;
  }

  async count(collection: DocumentCollection, options: { includeDeleted?: boolean } = {}): Promise<number> {
    const o = parseCountOptions(options, this.#scope);
    return [...this.#collection(parseCollection(collection, this.#scope)).values()].filter(
      (d) => o.includeDeleted || d.slots.deleted === undefined,
    ).length;
  }
}
