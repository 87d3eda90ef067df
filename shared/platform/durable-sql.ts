/** One `sql` helper over Durable Object SQLite that names the failing query, plus a rerunnable schema step. */

/** A SQL statement failed; carries the statement so the log says which. */
export class SqlError extends Error {
  override readonly name = 'SqlError';
  constructor(
    readonly query: string,
    options: { cause: unknown },
  ) {
    super(
      `SQLite query failed: ${query.replace(/\s+/g, ' ').trim().slice(0, 200)}: ${String(options.cause)}`,
      options,
    );
  }
}

export type SqlValue = string | number | null | ArrayBuffer;

/** Runs one statement and returns its rows; wraps failures in `SqlError`. */
export function runSql<Row extends Record<string, SqlStorageValue>>(
  storage: DurableObjectStorage,
  query: string,
  ...bindings: SqlValue[]
): Row[] {
  try {
    return storage.sql.exec<Row>(query, ...bindings).toArray();
  } catch (cause) {
    throw new SqlError(query, { cause });
  }
}

/**
 * Applies `migrations[i]` for every version above the stored one, in a transaction each. Safe to rerun:
 * the schema version is kept in the `_schema` table.
 */
export function ensureSchema(storage: DurableObjectStorage, migrations: readonly string[]): void {
  runSql(storage, 'CREATE TABLE IF NOT EXISTS _schema (version INTEGER NOT NULL)');
  const current = runSql<{ version: number }>(storage, 'SELECT version FROM _schema')[0]?.version ?? 0;
  for (let v = current; v < migrations.length; v++) {
    storage.transactionSync(() => {
      for (const stmt of migrations[v]!.split(';').filter((s) => s.trim())) runSql(storage, stmt);
      runSql(storage, 'DELETE FROM _schema');
      runSql(storage, 'INSERT INTO _schema (version) VALUES (?)', v + 1);
    });
  }
}
