/**
 * Chroma's local server keeps its log, metadata and full-text index in one SQLite file (`chroma.sqlite3`)
 * and opens it without choosing a journal mode, so SQLite's default rollback journal applies: every commit
 * writes a journal file, fsyncs it and the database, then deletes it. A single-record upsert commits
 * several times (log, metadata, watermark), and those syncs were ~a third of Chroma's CPU per small write
 * here. Write-ahead logging is SQLite's own recommendation for one writer with concurrent readers: one
 * append and one fsync per commit (the default `synchronous=FULL` still syncs every commit, so nothing
 * acknowledged is lost). WAL is stored in the file's header and Chroma's connections set no mode, so they
 * follow it. Chroma makes the file itself at start (one made beforehand was replaced), so the launchers
 * switch it once the server answers and before any client connects.
 */
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

/** The SQLite file Chroma's local server keeps in its `--path` directory. */
export const CHROMA_SQLITE_FILE = 'chroma.sqlite3';

/**
 * Puts `<dataDir>/chroma.sqlite3` in WAL mode (creating the file if it is missing). Call it while nothing
 * writes to it (a Chroma server just started and idle is fine): the switch needs an exclusive lock, and
 * waits up to `busyTimeoutMs` for one (a just-started server may still be committing its own setup on a
 * loaded machine) before it throws.
 */
export function useWalJournal(dataDir: string, busyTimeoutMs = 5_000): void {
  const db = new DatabaseSync(join(dataDir, CHROMA_SQLITE_FILE), { timeout: busyTimeoutMs });
  try {
    const row = db.prepare('PRAGMA journal_mode=WAL').get() as { journal_mode?: string } | undefined;
    if (row?.journal_mode !== 'wal')
      throw new Error(`Chroma's SQLite in ${dataDir} stayed in journal mode ${row?.journal_mode}`);
  } finally {
    db.close();
  }
}
