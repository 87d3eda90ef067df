/**
 * TenantDocuments: one Durable Object per provider+tenant holding that tenant's documents in SQLite.
 * The embedded default document store; merges are atomic because a Durable Object runs one request
 * at a time per transaction.
 */
import { DurableObject } from 'cloudflare:workers';
import {
  CHANGES_MAX,
  type DocumentChange,
  type ScanPage,
} from '@promethean/shared/effects/document-change-log';
import { type DocumentRefusal, refusingInvalid } from '@promethean/shared/effects/document-refusal';
import {
  type DocumentCollection,
  documentSortKey,
  type FindOptions,
  type FindQuery,
  mergeDocument,
  type StoredDocument,
  type UpsertOptions,
  type UpsertResult,
} from '@promethean/shared/effects/document-store';
import {
  DocumentCollectionName,
  type DocumentScope,
  parseCollection,
  parseCountOptions,
  parseDocuments,
  parseFind,
  parseFindMany,
  parseForeignId,
  parseForeignIds,
  parseUpsertOptions,
} from '@promethean/shared/effects/document-validation';
import {
  readSqliteLayout,
  type SqliteSchemaDump,
} from '@promethean/shared/migrations/contracts/sqlite-contract-validator';
import { parseDataTarget } from '@promethean/shared/migrations/target-marker';
import { ensureSchema, runSql } from '@promethean/shared/platform/durable-sql';
import { z } from 'zod';
import { findQuery } from './document-find-query.ts';
import { documentScopeOf } from './document-object-name.ts';
import {
  type LookupScope,
  selectByIdsSql,
  TARGET_MARKER_SQL,
  TENANT_DOCUMENTS_MIGRATIONS,
} from './tenant-documents-schema.ts';

const ChangesQuery = z.object({
  after: z.number().int().min(0),
  limit: z.number().int().min(1).max(CHANGES_MAX),
});
/** Control keys are fixed names chosen by the platform; `target` is the marker and never rewritten here. */
const MetaKey = z
  .string()
  .regex(/^[a-z][a-z0-9_.:-]{0,127}$/)
  .refine((k) => k !== 'target');

/** Durable Object SQLite binds at most 100 parameters per statement. */
const IDS_PER_SELECT = 96;
const ROWS_PER_INSERT = 11;
const INSERT_COLUMNS =
  '(collection, provider, tenant, foreign_id, sort_key, urn, index_json, slots_json, deleted)';

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

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
    ctx.blockConcurrencyWhile(async () => {
      ensureSchema(ctx.storage, TENANT_DOCUMENTS_MIGRATIONS);
      // Unset means working: a database is only ever treated as disposable when it says so.
      runSql(ctx.storage, TARGET_MARKER_SQL, parseDataTarget(env.DATA_TARGET ?? 'working', 'DATA_TARGET'));
    });
  }

  /**
   * The scope's columns for a lookup by foreign id. The primary key is (collection, provider, tenant,
   * foreign_id): without provider and tenant SQLite can only narrow to the collection and reads every row
   * of it, so each cache lookup or read grew with the tenant's data (issue 18: 20 % → 54 % of the Worker's
   * CPU in SQLite as a 10,000-message run went on). An object without a scope (tests) may hold several.
   */
  #inScope(): { scope: LookupScope; args: string[] } {
    return this.#scope
      ? { scope: 'scoped', args: [this.#scope.provider, this.#scope.tenant] }
      : { scope: 'any-scope', args: [] };
  }

  /** The stored documents among `ids` of this object's scope, keyed by foreign id (a few statements per batch). */
  #readMany(collection: DocumentCollection, scope: DocumentScope, ids: readonly string[]) {
    const found = new Map<string, StoredDocument>();
    for (const part of chunks(ids, IDS_PER_SELECT)) {
      const rows = runSql<Row>(
        this.ctx.storage,
        selectByIdsSql('scoped', part.length),
        collection,
        scope.provider,
        scope.tenant,
        ...part,
      );
      for (const row of rows) found.set(row.foreign_id, toDocument(row));
    }
    return found;
  }

  #writeMany(collection: DocumentCollection, docs: readonly StoredDocument[]): void {
    const at = Date.now();
    // Same transaction as the documents (callers run inside transactionSync): a change and its entry land
    // together or not at all, and AUTOINCREMENT never reuses a sequence.
    for (const part of chunks(docs, ROWS_PER_INSERT * 3)) {
      runSql(
        this.ctx.storage,
        `INSERT INTO change_log (collection, foreign_id, changed_at) VALUES ${part.map(() => '(?, ?, ?)').join(', ')}`,
        ...part.flatMap((doc) => [collection, doc.foreign_id, at]),
      );
    }
    for (const part of chunks(docs, ROWS_PER_INSERT)) {
      runSql(
        this.ctx.storage,
        `INSERT INTO documents ${INSERT_COLUMNS} VALUES ${part.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}
         ON CONFLICT (collection, provider, tenant, foreign_id) DO UPDATE SET
           urn = excluded.urn, index_json = excluded.index_json, slots_json = excluded.slots_json, deleted = excluded.deleted`,
        ...part.flatMap((doc) => [
          collection,
          doc.provider,
          doc.tenant,
          doc.foreign_id,
          documentSortKey(doc.foreign_id),
          doc.urn,
          JSON.stringify(doc.index),
          JSON.stringify(doc.slots),
          doc.slots.deleted ? 1 : 0,
        ]),
      );
    }
  }

  /**
   * `upsertMany` for the DocumentStore port: this object validates what it receives (the RPC boundary;
   * the port does not validate first) and answers a refusal as data, since an error's class would not
   * survive the trip back.
   */
  async upsertChecked(
    collection: DocumentCollection,
    docs: StoredDocument[],
    options?: UpsertOptions,
  ): Promise<UpsertResult | DocumentRefusal> {
    // Documents that came over the RPC are this call's own copies: merged without copying them again.
    return refusingInvalid(() => this.#upsert(collection, docs, options, true));
  }

  async upsertMany(
    collection: DocumentCollection,
    docs: StoredDocument[],
    options?: UpsertOptions,
  ): Promise<UpsertResult> {
    return this.#upsert(collection, docs, options, false);
  }

  async #upsert(
    collection: DocumentCollection,
    docs: StoredDocument[],
    options: UpsertOptions | undefined,
    owned: boolean,
  ): Promise<UpsertResult> {
    const name = parseCollection(collection, this.#scope);
    const valid = parseDocuments(docs, this.#scope);
    const { returnDocuments } = parseUpsertOptions(options, this.#scope);
    let written = 0;
    const documents: StoredDocument[] = [];
    // The savepoint is what makes a batch all-or-nothing: workerd commits its implicit transaction on the
    // next turn whether or not a statement failed, so without it a batch failing at its second INSERT
    // would leave the first 11 documents and every change-log entry written
    // (test/workers/functions/tenant-documents-atomicity.test.ts). Kept in issue 18, though SQLite's
    // sub-journal, which the savepoint adds to, was 13.8 % of workerd's CPU in bench:index.
    this.ctx.storage.transactionSync(() => {
      // Documents of several scopes can only arrive when this object has no scope of its own (tests).
      const byScope = new Map<string, StoredDocument[]>();
      for (const d of valid) {
        const key = `${d.provider}/${d.tenant}`;
        // Appended in place: copying the group for each document made a page's grouping quadratic.
        const group = byScope.get(key);
        if (group) group.push(d);
        else byScope.set(key, [d]);
      }
      for (const group of byScope.values()) {
        const scope = { provider: group[0]!.provider, tenant: group[0]!.tenant };
        const ids = [...new Set(group.map((d) => d.foreign_id))];
        const current = this.#readMany(name, scope, ids);
        const changed: StoredDocument[] = [];
        for (const incoming of group) {
          const merged = mergeDocument(current.get(incoming.foreign_id), incoming, { owned });
          if (!merged.changed) continue;
          // A batch may carry one document twice: the second merges into the first's result.
          current.set(incoming.foreign_id, merged.doc);
          changed.push(merged.doc);
          written++;
        }
        this.#writeMany(name, [...new Map(changed.map((d) => [d.foreign_id, d])).values()]);
        if (returnDocuments) documents.push(...ids.flatMap((id) => current.get(id) ?? []));
      }
    });
    const result = { written, unchanged: valid.length - written };
    return returnDocuments ? { ...result, documents } : result;
  }

  async getMany(collection: DocumentCollection, foreignIds: string[]): Promise<StoredDocument[]> {
    const name = parseCollection(collection, this.#scope);
    const ids = parseForeignIds(foreignIds, this.#scope);
    const found = new Map<string, StoredDocument>();
    const { scope, args } = this.#inScope();
    for (const part of chunks(ids, IDS_PER_SELECT)) {
      const rows = runSql<Row>(this.ctx.storage, selectByIdsSql(scope, part.length), name, ...args, ...part);
      for (const row of rows) found.set(row.foreign_id, toDocument(row));
    }
    return ids.flatMap((id) => {
      const doc = found.get(id);
      return doc ? [doc] : [];
    });
  }

  async get(collection: DocumentCollection, foreignId: string): Promise<StoredDocument | undefined> {
    const { scope, args } = this.#inScope();
    const rows = runSql<Row>(
      this.ctx.storage,
      `${selectByIdsSql(scope, 1)} LIMIT 1`,
      parseCollection(collection, this.#scope),
      ...args,
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
    const q = findQuery(parseCollection(collection, this.#scope), fields, o);
    const rows = runSql<Row>(this.ctx.storage, q.sql, ...q.args);
    return rows.map(toDocument);
  }

  /** Several finds of one collection in one call, answered in order. */
  async findMany(collection: DocumentCollection, queries: FindQuery[]): Promise<StoredDocument[][]> {
    const name = parseCollection(collection, this.#scope);
    return parseFindMany(queries, this.#scope).map((q) => {
      const query = findQuery(name, q.index, q.options ?? {});
      return runSql<Row>(this.ctx.storage, query.sql, ...query.args).map(toDocument);
    });
  }

  async count(collection: DocumentCollection, options: { includeDeleted?: boolean } = {}): Promise<number> {
    const o = parseCountOptions(options, this.#scope);
    const query = `SELECT COUNT(*) AS n FROM documents WHERE collection = ?${o.includeDeleted ? '' : ' AND deleted = 0'}`;
    return (
      runSql<{ n: number }>(this.ctx.storage, query, parseCollection(collection, this.#scope))[0]?.n ?? 0
    );
  }

  async changeHead(): Promise<number> {
    return (
      runSql<{ seq: number | null }>(this.ctx.storage, 'SELECT MAX(seq) AS seq FROM change_log')[0]?.seq ?? 0
    );
  }

  async changesAfter(after: number, limit: number): Promise<DocumentChange[]> {
    const { after: from, limit: n } = ChangesQuery.parse({ after, limit });
    return runSql<{ seq: number; collection: string; foreign_id: string }>(
      this.ctx.storage,
      'SELECT seq, collection, foreign_id FROM change_log WHERE seq > ? ORDER BY seq LIMIT ?',
      from,
      n,
    ).map((r) => ({ seq: r.seq, collection: r.collection as DocumentCollection, foreign_id: r.foreign_id }));
  }

  async scanPage(collection: DocumentCollection, after: string | null, limit: number): Promise<ScanPage> {
    const name = parseCollection(collection, this.#scope);
    const n = ChangesQuery.shape.limit.parse(limit);
    const rows = runSql<Row & { sort_key: string }>(
      this.ctx.storage,
      'SELECT * FROM documents WHERE collection = ? AND sort_key > ? ORDER BY sort_key LIMIT ?',
      name,
      after ?? '',
      n,
    );
    return {
      documents: rows.map(toDocument),
      next: rows.length === n ? rows[rows.length - 1]!.sort_key : null,
    };
  }

  async purge(collection: DocumentCollection): Promise<number> {
    const name = parseCollection(collection, this.#scope);
    const n =
      runSql<{ n: number }>(
        this.ctx.storage,
        'SELECT COUNT(*) AS n FROM documents WHERE collection = ?',
        name,
      )[0]?.n ?? 0;
    runSql(this.ctx.storage, 'DELETE FROM documents WHERE collection = ?', name);
    return n;
  }

  /**
   * `DocumentChangeLog.restore` over RPC (a store move's repair): `docs` written as given, `remove` deleted
   * outright, each with its change-log entry, in one transaction. A refusal comes back as data.
   */
  async restoreChecked(
    collection: DocumentCollection,
    scope: DocumentScope,
    docs: StoredDocument[],
    remove: string[],
  ): Promise<{ restored: number } | DocumentRefusal> {
    return refusingInvalid(async () => {
      const name = parseCollection(collection, this.#scope);
      const valid = parseDocuments(docs, this.#scope);
      const ids = parseForeignIds(remove, this.#scope);
      const owner = this.#scope ?? scope;
      this.ctx.storage.transactionSync(() => {
        this.#writeMany(name, valid);
        for (const part of chunks(ids, IDS_PER_SELECT)) {
          runSql(
            this.ctx.storage,
            `INSERT INTO change_log (collection, foreign_id, changed_at) VALUES ${part.map(() => '(?, ?, ?)').join(', ')}`,
            ...part.flatMap((id) => [name, id, Date.now()]),
          );
          runSql(
            this.ctx.storage,
            `DELETE FROM documents WHERE collection = ? AND provider = ? AND tenant = ?
               AND foreign_id IN (${part.map(() => '?').join(', ')})`,
            name,
            owner.provider,
            owner.tenant,
            ...part,
          );
        }
      });
      return { restored: valid.length + ids.length };
    });
  }

  /** A control value of this tenant (document routing, migration state); undefined when never written. */
  async readMeta(key: string): Promise<string | undefined> {
    return runSql<{ value: string }>(
      this.ctx.storage,
      'SELECT value FROM promethean_meta WHERE key = ?',
      MetaKey.parse(key),
    )[0]?.value;
  }

  /**
   * Writes `value` only when the stored value is still `expected` (null: absent). One writer wins a race;
   * the loser re-reads. Answers whether this call wrote.
   */
  async compareAndSetMeta(key: string, expected: string | null, value: string): Promise<boolean> {
    const k = MetaKey.parse(key);
    let wrote = false;
    this.ctx.storage.transactionSync(() => {
      const current =
        runSql<{ value: string }>(this.ctx.storage, 'SELECT value FROM promethean_meta WHERE key = ?', k)[0]
          ?.value ?? null;
      if (current !== expected) return;
      runSql(this.ctx.storage, 'INSERT OR REPLACE INTO promethean_meta (key, value) VALUES (?, ?)', k, value);
      wrote = true;
    });
    return wrote;
  }

  /** The target marker, the table layout and a sample per collection, for contract checks and migrations. */
  async describeStorage(sampleLimit = 1000): Promise<SqliteSchemaDump & { target: string | undefined }> {
    const exec = (query: string) => runSql(this.ctx.storage, query);
    const samples: SqliteSchemaDump['samples'] = {};
    for (const collection of DocumentCollectionName.options) {
      const rows = runSql<Row>(
        this.ctx.storage,
        'SELECT * FROM documents WHERE collection = ? ORDER BY sort_key LIMIT ?',
        collection,
        Math.max(1, Math.min(sampleLimit, 100_000)),
      );
      if (rows.length > 0) samples[collection] = rows.map(toDocument);
    }
    const target = runSql<{ value: string }>(
      this.ctx.storage,
      "SELECT value FROM promethean_meta WHERE key = 'target'",
    )[0]?.value;
    return { ...readSqliteLayout(exec, 'documents'), samples, target };
  }
}
