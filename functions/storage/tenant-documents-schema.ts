/**
 * The embedded document store's SQLite schema (`TenantDocuments`), apart from the Durable Object so the
 * contract tests can build the same table in any SQLite. Versioned by position: append, never edit.
 */
export const TENANT_DOCUMENTS_MIGRATIONS: readonly string[] = [
  `CREATE TABLE documents (
     collection TEXT NOT NULL, provider TEXT NOT NULL, tenant TEXT NOT NULL, foreign_id TEXT NOT NULL,
     sort_key TEXT NOT NULL, urn TEXT NOT NULL, index_json TEXT NOT NULL, slots_json TEXT NOT NULL,
     deleted INTEGER NOT NULL,
     PRIMARY KEY (collection, provider, tenant, foreign_id));
   CREATE INDEX documents_by_sort ON documents (collection, sort_key)`,
  // Channel pages (recent messages, the status page, backfill checks) without scanning the collection.
  `CREATE INDEX documents_by_channel ON documents (collection, json_extract(index_json, '$.channel_id'), sort_key)`,
  // count() and newest-first listings of live documents read this index instead of every row.
  `CREATE INDEX documents_live ON documents (collection, deleted, sort_key)`,
  // The target marker (`test` or `working`) and other facts about this database, written once.
  'CREATE TABLE promethean_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)',
  // The change log (shared/effects/document-change-log.ts), written in the transaction of each change.
  `CREATE TABLE change_log (
     seq INTEGER PRIMARY KEY AUTOINCREMENT, collection TEXT NOT NULL, foreign_id TEXT NOT NULL,
     changed_at INTEGER NOT NULL)`,
  // The web crawler's near-duplicate lookups (exact hash, same lead, the four SimHash bands): each
  // page write asked all six, and without these each read every page row (quadratic in a crawl).
  // Partial, so no other collection's writes pay for them; find() names the collection literally so
  // the planner can use them.
  // The keys are spelled out, not NEAR_DUPLICATE_INDEX_KEYS: a migration never changes once shipped.
  ['content_sha256', 'lead', 'sim0', 'sim1', 'sim2', 'sim3']
    .map(
      (key) =>
        `CREATE INDEX pages_by_${key} ON documents (collection, json_extract(index_json, '$.${key}'), sort_key)
           WHERE collection = 'pages'`,
    )
    .join(';\n'),
];

/** The marker row: which kind of database this is (see shared/migrations/target-marker.ts). */
export const TARGET_MARKER_SQL = "INSERT OR IGNORE INTO promethean_meta (key, value) VALUES ('target', ?)";

/** `scoped`: the object's provider and tenant are bound after the collection; `any-scope`: they are not. */
export type LookupScope = 'scoped' | 'any-scope';

/**
 * Reads documents by foreign id (`count` of them, bound after the collection and, when scoped, the
 * provider and tenant). Scoped, it is a primary-key search; without the scope SQLite can narrow only to
 * the collection and reads every row of it (tenant-documents-schema.test.ts checks the plan).
 */
export function selectByIdsSql(scope: LookupScope, count: number): string {
  const ids = count === 1 ? 'foreign_id = ?' : `foreign_id IN (${Array(count).fill('?').join(', ')})`;
  return `SELECT * FROM documents WHERE collection = ?${scope === 'scoped' ? ' AND provider = ? AND tenant = ?' : ''} AND ${ids}`;
}
