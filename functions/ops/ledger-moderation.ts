/**
 * The ops ledger's moderation notices: what cephalon defused, detected or saw refused, kept a day (and at
 * most `KEEP_MODERATION` rows) so the status page can list each tenant's newest.
 */
import { ModerationEntry } from '@promethean/shared/ops/ops-delta';
import { runSql } from '@promethean/shared/platform/durable-sql';

export const MODERATION_MIGRATION = `CREATE TABLE moderation_notices (id TEXT PRIMARY KEY, provider TEXT NOT NULL,
     tenant TEXT NOT NULL, ts TEXT NOT NULL, seen_at INTEGER NOT NULL, entry TEXT NOT NULL);
   CREATE INDEX moderation_by_tenant ON moderation_notices (provider, tenant, ts)`;

const KEEP_MODERATION_MS = 24 * 60 * 60_000;
const KEEP_MODERATION = 2_000;
/** Notices per tenant the snapshot carries. */
export const MODERATION_SHOWN = 20;

/** Stores notices; a redelivered notice (same id) overwrites its row. */
export function recordModeration(
  storage: DurableObjectStorage,
  entries: readonly ModerationEntry[],
  now: number,
): void {
  for (const m of entries) {
    runSql(
      storage,
      `INSERT INTO moderation_notices VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at, entry = excluded.entry`,
      m.id,
      m.provider,
      m.tenant,
      m.ts,
      now,
      JSON.stringify(m),
    );
  }
}

export function sweepModeration(storage: DurableObjectStorage, now: number): void {
  runSql(storage, 'DELETE FROM moderation_notices WHERE seen_at < ?', now - KEEP_MODERATION_MS);
  runSql(
    storage,
    `DELETE FROM moderation_notices WHERE id NOT IN
       (SELECT id FROM moderation_notices ORDER BY ts DESC LIMIT ?)`,
    KEEP_MODERATION,
  );
}

/** Each tenant's newest notices, newest first. */
export function recentModeration(storage: DurableObjectStorage): ModerationEntry[] {
  return runSql<{ entry: string }>(
    storage,
    `SELECT entry FROM (SELECT entry, ts, ROW_NUMBER() OVER (PARTITION BY provider, tenant ORDER BY ts DESC) AS n
       FROM moderation_notices) WHERE n <= ? ORDER BY ts DESC`,
    MODERATION_SHOWN,
  ).map((r) => ModerationEntry.parse(JSON.parse(r.entry)));
}
