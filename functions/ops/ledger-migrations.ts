/**
 * The ops ledger's online migrations: one row per tenant migration with its newest progress report and the
 * errors counted over all reports. Finished migrations stay a week so the status page shows how they ended.
 */
import { FINISHED_PHASES, MigrationProgress } from '@promethean/shared/ops/migration-progress';
import { runSql } from '@promethean/shared/platform/durable-sql';

export const MIGRATION_PROGRESS_MIGRATION = `CREATE TABLE migrations (provider TEXT NOT NULL, tenant TEXT NOT NULL,
     kind TEXT NOT NULL, id TEXT NOT NULL, phase TEXT NOT NULL, updated_at INTEGER NOT NULL,
     errors INTEGER NOT NULL, entry TEXT NOT NULL, PRIMARY KEY (provider, tenant, kind, id))`;

const KEEP_FINISHED_MS = 7 * 24 * 60 * 60_000;
/** Rows the snapshot carries at most (newest first): a bound, not an expected count. */
export const MIGRATIONS_SHOWN = 200;

/**
 * Keeps the newest report per migration (a late flush of an older report changes nothing but the error
 * total, which every report adds to).
 */
export function recordMigrations(storage: DurableObjectStorage, reports: readonly MigrationProgress[]): void {
  for (const m of reports) {
    runSql(
      storage,
      `INSERT INTO migrations VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (provider, tenant, kind, id) DO UPDATE SET errors = errors + excluded.errors,
         phase = CASE WHEN excluded.updated_at >= updated_at THEN excluded.phase ELSE phase END,
         entry = CASE WHEN excluded.updated_at >= updated_at THEN excluded.entry ELSE entry END,
         updated_at = MAX(updated_at, excluded.updated_at)`,
      m.provider,
      m.tenant,
      m.kind,
      m.id,
      m.phase,
      m.updated_at,
      m.errors,
      JSON.stringify(m),
    );
  }
}

export function sweepMigrations(storage: DurableObjectStorage, now: number): void {
  const finished = [...FINISHED_PHASES];
  runSql(
    storage,
    `DELETE FROM migrations WHERE updated_at < ? AND phase IN (${finished.map(() => '?').join(', ')})`,
    now - KEEP_FINISHED_MS,
    ...finished,
  );
}

/** Every migration the ledger knows, newest report first, `errors` as the total over all reports. */
export function listMigrations(storage: DurableObjectStorage): MigrationProgress[] {
  return runSql<{ entry: string; errors: number }>(
    storage,
    'SELECT entry, errors FROM migrations ORDER BY updated_at DESC LIMIT ?',
    MIGRATIONS_SHOWN,
  ).map((r) => MigrationProgress.parse({ ...JSON.parse(r.entry), errors: r.errors }));
}
