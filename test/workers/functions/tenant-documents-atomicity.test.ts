/**
 * Why TenantDocuments keeps `transactionSync` around each upsert (issue 18). Inside workerd every write
 * already runs in an implicit transaction, and `transactionSync` adds a SAVEPOINT whose sub-journal costs
 * SQLite CPU. But the implicit transaction is committed on the event loop's next turn whatever the JS did:
 * a statement that fails, or an exception, rolls nothing back (workerd src/workerd/io/actor-sqlite.c++,
 * `startImplicitTxnImpl`: `co_await kj::yield()` then `txn->commit()`). Only the savepoint keeps a batch
 * that fails midway from being committed half-written.
 */
import { env, runInDurableObject } from 'cloudflare:test';
import type { StoredDocument } from '@promethean/shared/effects/document-store';
import { describe, expect, it } from 'vitest';
import { documentObjectName } from '../../../functions/storage/document-object-name.ts';
import { DurableObjectDocumentStore } from '../../../functions/storage/durable-object-document-store.ts';
import type { TenantDocuments } from '../../../functions/storage/tenant-documents.ts';

const freshScope = () => ({
  provider: 'contract',
  tenant: `atomic-${Math.random().toString(36).slice(2, 8)}`,
});

function objectOf(scope: { provider: string; tenant: string }) {
  return env.TENANT_DOCUMENTS.get(env.TENANT_DOCUMENTS.idFromName(documentObjectName(scope)));
}

function message(scope: { provider: string; tenant: string }, id: string): StoredDocument {
  return {
    ...scope,
    foreign_id: id,
    urn: `urn:${scope.provider}:message:${scope.tenant}:${id}`,
    index: { channel_id: 'c' },
    slots: { created: { version: '1', value: { content: `message ${id}` } } },
  };
}

describe('TenantDocuments atomicity', () => {
  it('an upsert whose statement fails midway commits none of its batch, documents or change log', async () => {
    const scope = freshScope();
    const stub = objectOf(scope);
    expect(await stub.changeHead()).toBe(0);
    // A row SQLite refuses: the change log (one statement) and the first 11 documents (a statement of their
    // own) are written before the statement holding it fails.
    await runInDurableObject(stub, (_o: TenantDocuments, state) => {
      state.storage.sql.exec(
        `CREATE TRIGGER poison BEFORE INSERT ON documents WHEN NEW.foreign_id = 'poison'
         BEGIN SELECT RAISE(ABORT, 'poisoned row'); END`,
      );
    });
    const ids = Array.from({ length: 20 }, (_, i) =>
      i === 15 ? 'poison' : `m${String(i).padStart(2, '0')}`,
    );
    const store = new DurableObjectDocumentStore(env.TENANT_DOCUMENTS, scope.provider, scope.tenant);
    await expect(
      store.upsertMany(
        'messages',
        ids.map((id) => message(scope, id)),
      ),
    ).rejects.toThrow(/poisoned row/);
    expect(await stub.count('messages')).toBe(0);
    expect(await stub.changeHead()).toBe(0);

    // The object goes on working: without the poison the same batch lands whole.
    await runInDurableObject(stub, (_o: TenantDocuments, state) => {
      state.storage.sql.exec('DROP TRIGGER poison');
    });
    expect(
      await store.upsertMany(
        'messages',
        ids.map((id) => message(scope, id)),
      ),
    ).toMatchObject({ written: 20 });
    expect(await stub.changeHead()).toBe(20);
  });

  // What the savepoint protects against, on the platform itself: if workerd ever rolled back an event's
  // writes when it fails, this would fail, and the upsert's savepoint could go.
  it("workerd's implicit transaction commits the statements before a failure (no savepoint, no rollback)", async () => {
    const stub = objectOf(freshScope());
    expect(await stub.readMeta('probe.first')).toBeUndefined();
    const failed = runInDurableObject(stub, (_o: TenantDocuments, state) => {
      state.storage.sql.exec("INSERT INTO promethean_meta (key, value) VALUES ('probe.first', 'written')");
      state.storage.sql.exec('INSERT INTO no_such_table VALUES (1)');
    });
    await expect(failed).rejects.toThrow(/no such table/);
    expect(await stub.readMeta('probe.first')).toBe('written');
  });
});
