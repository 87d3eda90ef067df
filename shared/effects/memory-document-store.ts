/** An in-memory DocumentStore for tests and golden fixtures, with the same merge rule as real stores. */
import {
  compareForeignIds,
  type DocumentCollection,
  type DocumentStore,
  type FindOptions,
  mergeDocument,
  type StoredDocument,
  type UpsertResult,
} from './document-store.ts';

export class MemoryDocumentStore implements DocumentStore {
  readonly #collections = new Map<DocumentCollection, Map<string, StoredDocument>>();

  #collection(name: DocumentCollection): Map<string, StoredDocument> {
    let c = this.#collections.get(name);
    if (!c) {
      c = new Map();
      this.#collections.set(name, c);
    }
    return c;
  }

  async upsertMany(collection: DocumentCollection, docs: readonly StoredDocument[]): Promise<UpsertResult> {
    const c = this.#collection(collection);
    let written = 0;
    for (const incoming of docs) {
      const key = `${incoming.provider}/${incoming.tenant}/${incoming.foreign_id}`;
      const { doc, changed } = mergeDocument(c.get(key), incoming);
      if (changed) {
        c.set(key, doc);
        written++;
      }
    }
    return { written, unchanged: docs.length - written };
  }

  async get(collection: DocumentCollection, foreignId: string): Promise<StoredDocument | undefined> {
    for (const doc of this.#collection(collection).values()) {
      if (doc.foreign_id === foreignId) return structuredClone(doc);
    }
    return undefined;
  }

  async find(
    collection: DocumentCollection,
    index: Record<string, string>,
    o: FindOptions = {},
  ): Promise<StoredDocument[]> {
    const matches = [...this.#collection(collection).values()].filter(
      (d) =>
        (o.includeDeleted || d.slots.deleted === undefined) &&
        (o.before === undefined || compareForeignIds(d.foreign_id, o.before) < 0) &&
        Object.entries(index).every(([k, v]) => d.index[k] === v),
    );
    matches.sort((a, b) => compareForeignIds(b.foreign_id, a.foreign_id));
    return structuredClone(matches.slice(0, o.limit ?? matches.length));
  }

  async count(collection: DocumentCollection, o: { includeDeleted?: boolean } = {}): Promise<number> {
    return [...this.#collection(collection).values()].filter(
      (d) => o.includeDeleted || d.slots.deleted === undefined,
    ).length;
  }
}
