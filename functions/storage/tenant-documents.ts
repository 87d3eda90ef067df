/**
 * TenantDocuments: one Durable Object per provider+tenant holding that tenant's documents in SQLite.
 * The embedded default document store; merges are atomic because a Durable Object runs one request
 * at a time per transaction.
 */
import { DurableObject } from 'cloudflare:workers';
import {
  type DocumentCollection,
  documentSortKey,
  FIND_DEFAULT_LIMIT,
  type FindOptions,
  mergeDocument,
  type StoredDocument,
  type UpsertResult,
} from '@promethean/shared/effects/document-store';
import {
  type DocumentScope,
  parseCollection,
  parseCountOptions,
  parseDocuments,
  parseFind,
  parseForeignId,
} from '@promethean/shared/effects/document-validation';
import { ensureSchema, runSql } from '@promethean/shared/platform/durable-sql';
import { documentScopeOf } from './document-object-name.ts';

const MIGRATIONS = [
  `CREATE TABLE documents (
     collection TEXT NOT NULL, provider TEXT NOT NULL, tenant TEXT NOT NULL, foreign_id TEXT NOT NULL,
     sort_key TEXT NOT NULL, urn TEXT NOT NULL, index_json TEXT NOT NULL, slots_json TEXT NOT NULL,
     deleted INTEGER NOT NULL,
     PRIMARY KEY (collection, provider, tenant, foreign_id));
   CREATE INDEX documents_by_sort ON documents (collection, sort_key)`,
];

type Row = {
  provider: string;
  tenant: string;
  foreign_id: string;
  urn: string;
  index_json: string;
  slots_json: string;
};

function toDocument(row: Row): StoredDocument {
  return {
    provider: row.provider,
    tenant: row.tenant,
    foreign_id: row.foreign_id,
    urn: row.urn,
    index: JSON.parse(row.index_json) as Record<string, string>,
    slots: JSON.parse(row.slots_json) as StoredDocument['slots'],
  };
}

export class TenantDocuments extends DurableObject<FunctionsEnv> {
  /** The provider+tenant this object serves (from its name); documents of others are refused. */
  readonly #scope: DocumentScope | undefined;

  constructor(ctx: DurableObjectState, env: FunctionsEnv) {
    super(ctx, env);
    this.#scope = documentScopeOf(ctx.id);
    ctx.blockConcurrencyWhile(async () => ensureSchema(ctx.storage, MIGRATIONS));
  }

  #read(collection: DocumentCollection, doc: Pick<StoredDocument, 'provider' | 'tenant' | 'foreign_id'>) {
    const rows = runSql<Row>(
      this.ctx.storage,
      'SELECT * FROM documents WHERE collection = ? AND provider = ? AND tenant = ? AND foreign_id = ?',
      collection,
      doc.provider,
      doc.tenant,
      doc.foreign_id,
    );
    return rows[0] ? toDocument(rows[0]) : undefined;
  }

  async upsertMany(collection: DocumentCollection, docs: StoredDocument[]): Promise<UpsertResult> {
    const name = parseCollection(collection, this.#scope);
    const valid = parseDocuments(docs, this.#scope);
    let written = 0;
    this.ctx.storage.transactionSync(() => {
      for (const incoming of valid) {
        const { doc, changed } = mergeDocument(this.#read(name, incoming), incoming);
        if (!changed) continue;
        written++;
        runSql(
          this.ctx.storage,
          `INSERT INTO documents (collection, provider, tenant, foreign_id, sort_key, urn, index_json, slots_json, deleted)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (collection, provider, tenant, foreign_id) DO UPDATE SET
             urn = excluded.urn, index_json = excluded.index_json, slots_json = excluded.slots_json, deleted = excluded.deleted`,
          name,
          doc.provider,
          doc.tenant,
          doc.foreign_id,
          documentSortKey(doc.foreign_id),
          doc.urn,
          JSON.stringify(doc.index),
          JSON.stringify(doc.slots),
          doc.slots.deleted ? 1 : 0,
        );
      }
    });
    return { written, unchanged: valid.length - written };
  }

  async get(collection: DocumentCollection, foreignId: string): Promise<StoredDocument | undefined> {
    const rows = runSql<Row>(
      this.ctx.storage,
      'SELECT * FROM documents WHERE collection = ? AND foreign_id = ? LIMIT 1',
      parseCollection(collection, this.#scope),
      parseForeignId(foreignId, this.#scope),
    );
    return rows[0] ? toDocument(rows[0]) : undefined;
  }

  async find(
    collection: DocumentCollection,
    index: Record<string, string>,
    options: FindOptions = {},
  ): Promise<StoredDocument[]> {
    const { index: fields, options: o } = parseFind(index, options, this.#scope);
    const where = ['collection = ?'];
    const args: string[] = [parseCollection(collection, this.#scope)];
    if (!o.includeDeleted) where.push('deleted = 0');
    if (o.before !== undefined) {
      where.push('sort_key < ?');
      args.push(documentSortKey(o.before));
    }
    // Keys passed IndexKey validation (lowercase identifiers), so they are safe inside the JSON path.
    for (const [key, value] of Object.entries(fields)) {
      where.push(`json_extract(index_json, '$.${key}') = ?`);
      args.push(value);
    }
    const limit = o.limit ?? FIND_DEFAULT_LIMIT;
    const rows = runSql<Row>(
      this.ctx.storage,
      `SELECT * FROM documents WHERE ${where.join(' AND ')} ORDER BY sort_key DESC LIMIT ${limit}`,
      ...args,
    );
    return rows.map(toDocument);
  }

  async count(collection: DocumentCollection, options: { includeDeleted?: boolean } = {}): Promise<number> {
    const o = parseCountOptions(options, this.#scope);
    const query = `SELECT COUNT(*) AS n FROM documents WHERE collection = ?${o.includeDeleted ? '' : ' AND deleted = 0'}`;
    return (
      runSql<{ n: number }>(this.ctx.storage, query, parseCollection(collection, this.#scope))[0]?.n ?? 0
    );
  }
}
