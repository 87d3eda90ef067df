/**
 * The embedded store's lookups by id must stay searches of the primary key as a tenant's data grows: SQLite's
 * own query plan for the statements TenantDocuments runs, on the schema it builds (node:sqlite is the same
 * SQLite engine family as the Durable Object's; the plan depends only on the schema and the statement).
 */
import { DatabaseSync } from 'node:sqlite';
import { expect, it } from 'vitest';
import { selectByIdsSql, TENANT_DOCUMENTS_MIGRATIONS } from './tenant-documents-schema.ts';

function schema(): DatabaseSync {
  const db = new DatabaseSync(':memory:');
  for (const step of TENANT_DOCUMENTS_MIGRATIONS) db.exec(step);
  return db;
}

const plan = (db: DatabaseSync, sql: string, params: string[]) =>
  db
    .prepare(`EXPLAIN QUERY PLAN ${sql}`)
    .all(...params)
    .map((r) => String((r as { detail: string }).detail));

it('reads documents by id (one or many) through the primary key when scoped', () => {
  const db = schema();
  for (const n of [1, 3, 96]) {
    const ids = Array.from({ length: n }, (_, i) => `id${i}`);
    const detail = plan(db, selectByIdsSql('scoped', n), ['messages', 'discord', 'duck', ...ids]);
    expect(detail).toHaveLength(1);
    expect(detail[0]).toMatch(
      /USING INDEX sqlite_autoindex_documents_1 \(collection=\? AND provider=\? AND tenant=\? AND foreign_id=\?\)/,
    );
  }
});

it('without the scope, the same lookup narrows only to the collection (why the scope is bound)', () => {
  const detail = plan(schema(), selectByIdsSql('any-scope', 2), ['messages', 'a', 'b']);
  expect(detail.join(' ')).not.toMatch(/foreign_id=\?/);
});

it('answers the stored rows of the scope only', () => {
  const db = schema();
  const insert = db.prepare(
    `INSERT INTO documents (collection, provider, tenant, foreign_id, sort_key, urn, index_json, slots_json, deleted)
     VALUES (?, ?, ?, ?, ?, 'urn', '{}', '{}', 0)`,
  );
  insert.run('messages', 'discord', 'duck', '1', '1');
  insert.run('messages', 'discord', 'goose', '1', '1');
  insert.run('messages', 'discord', 'duck', '2', '2');
  const rows = db.prepare(selectByIdsSql('scoped', 2)).all('messages', 'discord', 'duck', '1', '2') as Array<{
    tenant: string;
    foreign_id: string;
  }>;
  expect(rows.map((r) => `${r.tenant}/${r.foreign_id}`).sort()).toEqual(['duck/1', 'duck/2']);
});
