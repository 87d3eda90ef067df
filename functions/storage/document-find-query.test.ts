import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import { findQuery } from './document-find-query.ts';
import { TENANT_DOCUMENTS_MIGRATIONS } from './tenant-documents-schema.ts';

/** The embedded store's table in node's SQLite, with pages (seeded) and as many messages. */
function seededStore(pages: number): DatabaseSync {
  const db = new DatabaseSync(':memory:');
  for (const migration of TENANT_DOCUMENTS_MIGRATIONS) db.exec(migration);
  const insert = db.prepare('INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)');
  for (let i = 0; i < pages; i++) {
    const index = {
      content_sha256: `h${i % 97}`,
      lead: `l${i % 89}`,
      sim0: `a${i % 83}`,
      sim1: `b${i % 79}`,
      sim2: `c${i % 73}`,
      sim3: `d${i % 71}`,
    };
    const key = String(i).padStart(8, '0');
    insert.run('pages', 'p', 't', `page${i}`, key, 'u', JSON.stringify(index), '{}');
    insert.run('messages', 'p', 't', `m${i}`, key, 'u', JSON.stringify({ channel_id: `c${i % 5}` }), '{}');
  }
  return db;
}

describe('findQuery', () => {
  const db = seededStore(600);
  const plan = (q: { sql: string; args: string[] }) =>
    db
      .prepare(`EXPLAIN QUERY PLAN ${q.sql}`)
      .all(...q.args)
      .map((r) => String(r.detail))
      .join(' | ');

  it.each(['content_sha256', 'lead', 'sim0', 'sim1', 'sim2', 'sim3'])(
    'looks pages up by %s through its index, not by reading every page',
    (key) => {
      const q = findQuery('pages', { [key]: 'x' }, { limit: 50 });
      expect(plan(q)).toContain(`USING INDEX pages_by_${key}`);
    },
  );

  it('answers what a scan of every row answers, newest first', () => {
    const q = findQuery('pages', { lead: 'l7' }, { limit: 5 });
    const found = db
      .prepare(q.sql)
      .all(...q.args)
      .map((r) => r.foreign_id);
    const scanned = db
      .prepare(
        "SELECT foreign_id FROM documents NOT INDEXED WHERE collection = 'pages' AND json_extract(index_json, '$.lead') = 'l7' ORDER BY sort_key DESC LIMIT 5",
      )
      .all()
      .map((r) => r.foreign_id);
    expect(found).toEqual(scanned);
    expect(found).toHaveLength(5);
  });
});
