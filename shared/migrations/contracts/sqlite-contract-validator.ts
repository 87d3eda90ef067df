/**
 * Validates the embedded store (SQLite in the `TenantDocuments` Durable Object) against the document
 * contracts. The object answers a `SqliteSchemaDump` (its `describeStorage()` RPC; any SQLite gives the same
 * from the same PRAGMAs), so the comparison itself is plain and runs anywhere.
 */
import type { DocumentCollection } from '../../effects/document-store.ts';
import type { ContractDiffEntry, DocumentCollectionContract, SqliteColumn } from './data-contract.ts';
import { documentDiffs } from './document-invariants.ts';

export interface SqliteSchemaDump {
  /** `PRAGMA table_info(<table>)` of the documents table. */
  columns: SqliteColumn[];
  /** Names from `PRAGMA index_list(<table>)`, automatic indexes (`sqlite_autoindex_*`) left out. */
  indexes: string[];
  /** A sample of decoded documents per collection (all of them for small tenants). */
  samples: Partial<Record<DocumentCollection, unknown[]>>;
}

/** The PRAGMA reads, over any `exec(query) → rows` (Durable Object `sql.exec`, `node:sqlite`). */
export function readSqliteLayout(
  exec: (query: string) => Array<Record<string, unknown>>,
  table: string,
): Pick<SqliteSchemaDump, 'columns' | 'indexes'> {
  const columns = exec(`PRAGMA table_info(${table})`).map((row) => ({
    name: String(row.name),
    type: String(row.type),
    notnull: Number(row.notnull) === 1,
    pk: Number(row.pk),
  }));
  const indexes = exec(`PRAGMA index_list(${table})`)
    .map((row) => String(row.name))
    .filter((name) => !name.startsWith('sqlite_autoindex_'))
    .sort();
  return { columns, indexes };
}

/** Actual vs declared for the table layout (once) and each contract's sampled documents. */
export function validateSqliteStore(
  dump: SqliteSchemaDump,
  contracts: readonly DocumentCollectionContract[],
  location: string,
): ContractDiffEntry[] {
  const diffs: ContractDiffEntry[] = [];
  const first = contracts[0];
  if (!first) return diffs;
  const table = `${location}/${first.sqlite.table}`;
  const entry = (aspect: string, declared: unknown, actual: unknown): ContractDiffEntry => ({
    store: 'sqlite',
    contract: first.contract,
    location: table,
    aspect,
    declared,
    actual,
  });
  const actualColumns = new Map(dump.columns.map((c) => [c.name, c]));
  for (const declared of first.sqlite.columns) {
    const actual = actualColumns.get(declared.name);
    if (!actual) diffs.push(entry(`column:${declared.name}`, declared, 'missing'));
    else if (JSON.stringify(actual) !== JSON.stringify(declared)) {
      diffs.push(entry(`column:${declared.name}`, declared, actual));
    }
  }
  const declaredNames = new Set(first.sqlite.columns.map((c) => c.name));
  for (const extra of dump.columns.filter((c) => !declaredNames.has(c.name))) {
    diffs.push(entry(`column:${extra.name}`, 'absent', extra));
  }
  for (const name of first.sqlite.indexes.filter((i) => !dump.indexes.includes(i))) {
    diffs.push(entry(`index:${name}`, 'present', 'missing'));
  }
  for (const name of dump.indexes.filter((i) => !first.sqlite.indexes.includes(i))) {
    diffs.push(entry(`index:${name}`, 'absent', 'present'));
  }
  for (const contract of contracts) {
    const docs = dump.samples[contract.collection as DocumentCollection] ?? [];
    diffs.push(...documentDiffs('sqlite', contract, `${location}/${contract.collection}`, docs));
  }
  return diffs;
}
