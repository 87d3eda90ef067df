/**
 * TenantDocuments: one Durable Object per provider+tenant holding that tenant's documents in SQLite.
 * The embedded default document store; merges are atomic because a Durable Object runs one request
 * at a time per transaction.
 */
import { DurableObject } from 'cloudflare:workers';
import {
  type DocumentCollection,
  type FindOptions,
  mergeDocument,
  type StoredDocument,
  type UpsertResult,
} from '@promethean/shared/effects/document-store';
import { ensureSchema, runSql } from '@promethean/shared/platform/durable-sql';

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

/** Snowflakes sort numerically: left-pad digit ids so that string order is numeric order. */
export function sortKey(foreignId: string): string {
  return /^\d{1,30}$/.test(foreignId) ? foreignId.padStart(30, '0') : `~${foreignId}`;
}

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
  constructor(ctx: DurableObjectState, env: FunctionsEnv) {
    super(ctx, env);
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
    let written = 0;
    this.ctx.storage.transactionSync(() => {
      for (const incoming of docs) {
        const { doc, changed } = mergeDocument(this.#read(collection, incoming), incoming);
        if (!changed) continue;
        written++;
        runSql(
          this.ctx.storage,
          `INSERT INTO documents (collection, provider, tenant, foreign_id, sort_key, urn, index_json, slots_json, deleted)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (collection, provider, tenant, foreign_id) DO UPDATE SET
             urn = excluded.urn, index_json = excluded.index_json, slots_json = excluded.slots_json, deleted = excluded.deleted`,
          collection,
          doc.provider,
          doc.tenant,
          doc.foreign_id,
          sortKey(doc.foreign_id),
          doc.urn,
          JSON.stringify(doc.index),
          JSON.stringify(doc.slots),
          doc.slots.deleted ? 1 : 0,
        );
      }
    });
    return { written, unchanged: docs.length - written };
  }

  async get(collection: DocumentCollection, foreignId: string): Promise<StoredDocument | undefined> {
    const rows = runSql<Row>(
      this.ctx.storage,
      'SELECT * FROM documents WHERE collection = ? AND foreign_id = ? LIMIT 1',
      collection,
      foreignId,
    );
    return rows[0] ? toDocument(rows[0]) : undefined;
  }

  async find(
    collection: DocumentCollection,
    index: Record<string, string>,
    o: FindOptions = {},
  ): Promise<StoredDocument[]> {
    const where = ['collection = ?'];
    const args: string[] = [collection];
    if (!o.includeDeleted) where.push('deleted = 0');
    if (o.before !== undefined) {
      where.push('sort_key < ?');
      args.push(sortKey(o.before));
    }
    for (const [key, value] of Object.entries(index)) {
      if (!/^[a-z_]+$/.test(key)) throw new Error(`find: index key "${key}" must be lowercase letters and _`);
      where.push(`json_extract(index_json, '$.${key}') = ?`);
      args.push(value);
    }
    const limit = Math.max(1, Math.min(o.limit ?? 1000, 10_000));
    const rows = runSql<Row>(
      this.ctx.storage,
      `SELECT * FROM documents WHERE ${where.join(' AND ')} ORDER BY sort_key DESC LIMIT ${limit}`,
      ...args,
    );
    return rows.map(toDocument);
  }

  async count(collection: DocumentCollection, o: { includeDeleted?: boolean } = {}): Promise<number> {
    const query = `SELECT COUNT(*) AS n FROM documents WHERE collection = ?${o.includeDeleted ? '' : ' AND deleted = 0'}`;
    return runSql<{ n: number }>(this.ctx.storage, query, collection)[0]?.n ?? 0;
  }
}
