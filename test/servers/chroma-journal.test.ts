import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { CHROMA_SQLITE_FILE, useWalJournal } from './chroma-journal.ts';

const dirs: string[] = [];
const freshDir = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'promethean-chroma-journal-'));
  dirs.push(dir);
  return dir;
};
/** What a later connection that sets no journal mode (as Chroma's) finds. */
const journalOf = (dir: string) => {
  const db = new DatabaseSync(join(dir, CHROMA_SQLITE_FILE));
  try {
    return (db.prepare('PRAGMA journal_mode').get() as { journal_mode: string }).journal_mode;
  } finally {
    db.close();
  }
};

describe('useWalJournal', () => {
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  });

  it('puts a new database in WAL mode', async () => {
    const dir = await freshDir();
    expect(journalOf(dir)).toBe('delete');
    await rm(join(dir, CHROMA_SQLITE_FILE));
    useWalJournal(dir);
    expect(journalOf(dir)).toBe('wal');
  });

  it('converts an existing rollback-journal database in place, keeping its rows', async () => {
    const dir = await freshDir();
    const db = new DatabaseSync(join(dir, CHROMA_SQLITE_FILE));
    db.exec("CREATE TABLE t (x TEXT); INSERT INTO t VALUES ('kept')");
    db.close();
    expect(journalOf(dir)).toBe('delete');
    useWalJournal(dir);
    expect(journalOf(dir)).toBe('wal');
    const again = new DatabaseSync(join(dir, CHROMA_SQLITE_FILE));
    expect(again.prepare('SELECT x FROM t').all()).toEqual([{ x: 'kept' }]);
    again.close();
  });

  it('refuses when another connection holds the database (the switch needs it alone)', async () => {
    const dir = await freshDir();
    const holder = new DatabaseSync(join(dir, CHROMA_SQLITE_FILE));
    holder.exec('CREATE TABLE t (x); BEGIN EXCLUSIVE; INSERT INTO t VALUES (1)');
    try {
      expect(() => useWalJournal(dir, 50)).toThrow(/locked/);
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
  });
});
