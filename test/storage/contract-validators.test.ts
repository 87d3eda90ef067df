/** Each store kind's contract validator reports actual vs declared as a diff, and nothing when they agree. */
import { DatabaseSync } from 'node:sqlite';
import { TENANT_DOCUMENTS_MIGRATIONS } from '@promethean/functions/storage/tenant-documents-schema';
import { ChromaVectorStore, chromaClientArgs } from '@promethean/shared/effects/chroma-vector-store';
import type { StoredDocument } from '@promethean/shared/effects/document-store';
import { MongoDocumentStore } from '@promethean/shared/effects/mongo-document-store';
import { vectorCollectionName } from '@promethean/shared/effects/vector-schema';
import { validateChromaCollection } from '@promethean/shared/migrations/contracts/chroma-contract-validator';
import {
  dataContracts,
  MessagesVectorContract,
} from '@promethean/shared/migrations/contracts/contract-catalog';
import type { DocumentCollectionContract } from '@promethean/shared/migrations/contracts/data-contract';
import { validateMongoDatabase } from '@promethean/shared/migrations/contracts/mongo-contract-validator';
import {
  readSqliteLayout,
  validateSqliteStore,
} from '@promethean/shared/migrations/contracts/sqlite-contract-validator';
import { ChromaClient } from 'chromadb';
import { MongoClient } from 'mongodb';
import { afterAll, describe, expect, inject, it } from 'vitest';

const { mongoUri, chromaUrl } = inject('storageServers');
const documentContracts = [...dataContracts().values()].filter(
  (c): c is DocumentCollectionContract => c.kind === 'document-collection',
);
const messages = documentContracts.find((c) => c.collection === 'messages')!;

function message(tenant: string, id: string, overrides: Partial<StoredDocument> = {}): StoredDocument {
  return {
    provider: 'contract',
    tenant,
    foreign_id: id,
    urn: `urn:contract:message:${tenant}:${id}`,
    index: { channel_id: 'c1' },
    slots: {
      created: {
        version: '2026-01-01T00:00:00.000Z',
        value: {
          urn: `urn:contract:message:${tenant}:${id}`,
          foreign_id: id,
          channel: { urn: `urn:contract:channel:${tenant}:c1`, foreign_id: 'c1' },
          author: { urn: `urn:contract:user:${tenant}:u1`, foreign_id: 'u1', bot: false },
          content: `hello ${id}`,
          created_at: '2026-01-01T00:00:00.000Z',
        },
      },
    },
    ...overrides,
  };
}

describe('SQLite (embedded store) validator', () => {
  function embedded(): DatabaseSync {
    const db = new DatabaseSync(':memory:');
    for (const migration of TENANT_DOCUMENTS_MIGRATIONS) db.exec(migration);
    return db;
  }
  const exec = (db: DatabaseSync) => (q: string) => db.prepare(q).all() as Array<Record<string, unknown>>;

  it('finds no drift in the schema TenantDocuments creates', () => {
    const db = embedded();
    const dump = { ...readSqliteLayout(exec(db), 'documents'), samples: { messages: [message('t', '1')] } };
    expect(validateSqliteStore(dump, documentContracts, 'TenantDocuments(contract:t)')).toEqual([]);
  });

  it('reports a missing index, an extra column and a document outside its scope', () => {
    const db = embedded();
    db.exec('DROP INDEX documents_live');
    db.exec("ALTER TABLE documents ADD COLUMN legacy TEXT NOT NULL DEFAULT ''");
    const stray = message('t', '2', { urn: 'urn:contract:message:other:2' });
    const dump = {
      ...readSqliteLayout(exec(db), 'documents'),
      samples: { messages: [message('t', '1'), stray] },
    };
    const diffs = validateSqliteStore(dump, documentContracts, 'TenantDocuments(contract:t)');
    expect(diffs.map((d) => [d.aspect, d.actual])).toEqual([
      ['column:legacy', { name: 'legacy', type: 'TEXT', notnull: true, pk: 0 }],
      ['index:documents_live', 'missing'],
      ['invariant:urn-in-scope', 'urn:contract:message:other:2'],
    ]);
    expect(diffs[2]).toMatchObject({
      store: 'sqlite',
      contract: 'documents.messages',
      count: 1,
      examples: ['2'],
    });
  });
});

describe('MongoDB validator', () => {
  const client = new MongoClient(mongoUri);
  afterAll(async () => {
    await client.db('promethean_contract_validate').dropDatabase();
    await client.close();
  });

  it('finds no drift in what the adapter writes, then reports a dropped index and a bad slot', async () => {
    const store = new MongoDocumentStore(
      client,
      { provider: 'contract', tenant: 'validate' },
      { target: 'test' },
    );
    await store.upsertMany('messages', [message('validate', '1'), message('validate', '2')]);
    const db = client.db(store.databaseName);
    expect(await validateMongoDatabase(db, documentContracts)).toEqual([]);

    await db.collection('messages').dropIndex('provider_1_tenant_1_deleted_1_sort_key_-1');
    const bad = message('validate', '3');
    (bad.slots.created!.value as Record<string, unknown>).created_at = 'yesterday';
    await store.upsertMany('messages', [bad]);
    const diffs = await validateMongoDatabase(db, [messages]);
    expect(diffs.map((d) => d.aspect)).toEqual([
      'index:provider_1_tenant_1_deleted_1_sort_key_-1',
      'invariant:slot-schema:created',
    ]);
    expect(diffs[0]).toMatchObject({ actual: 'missing', location: 'promethean_contract_validate.messages' });
    expect(diffs[1]).toMatchObject({ count: 1, examples: ['3'] });
  });
});

describe('Chroma validator', () => {
  const chroma = new ChromaClient(chromaClientArgs(chromaUrl));
  const spec = { model: 'contract-embed', dimension: 4 };

  it('finds no drift in a collection the adapter wrote, then reports a wrong dimension and missing metadata', async () => {
    const scope = { provider: 'contract', tenant: 'vvalidate' };
    const store = new ChromaVectorStore({ url: chromaUrl, ...scope, target: 'test' });
    await store.upsert(
      'messages',
      [
        {
          id: 'urn:contract:message:vvalidate:1',
          embedding: [1, 0, 0, 0],
          document: 'hi',
          metadata: { urn: 'u', channel_id: 'c' },
        },
      ],
      spec,
    );
    const name = vectorCollectionName(scope.provider, scope.tenant, 'messages');
    const good = await chroma.getCollection({ name });
    expect(await validateChromaCollection(good, MessagesVectorContract, { expected: spec })).toEqual([]);

    // Planted: a collection of the same role pinned to another dimension, made behind the adapter's back.
    const wrong = await chroma.createCollection({
      name: `${name}__wrong`,
      embeddingFunction: null,
      metadata: { 'promethean:embedding_model': 'contract-embed', 'promethean:embedding_dimension': 3 },
    });
    await wrong.add({ ids: ['x'], embeddings: [[1, 0, 0]], metadatas: [{ urn: 'u' }] });
    const diffs = await validateChromaCollection(wrong, MessagesVectorContract, { expected: spec });
    expect(diffs.map((d) => d.aspect)).toEqual([
      'metadata:promethean:chunker_version',
      'metadata:promethean:target',
      'pin:dimension',
      'distance',
      'invariant:vector-dimension',
      'invariant:metadata-keys:channel_id',
    ]);
    await chroma.deleteCollection({ name: `${name}__wrong` });
    await chroma.deleteCollection({ name });
  });
});
