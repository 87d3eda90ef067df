/** The DocumentStore contract inside workerd: TenantDocuments (SQLite) and MongoDocuments (→ the test MongoDB-wire server). */
import { env } from 'cloudflare:workers';
import type { DocumentScope } from '@promethean/shared/effects/document-validation';
import { mongoDatabaseName } from '@promethean/shared/effects/mongo-document-codec';
import { MongoClient } from 'mongodb';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { documentObjectName } from '../../../functions/storage/document-object-name.ts';
import { DurableObjectDocumentStore } from '../../../functions/storage/durable-object-document-store.ts';
import { readStorageEnv } from '../../../functions/storage/storage-env.ts';
import { describeDocumentStoreContract } from '../../storage/document-store-contract.ts';

const { mongoKind } = inject('storageServers');
const mongoUri = readStorageEnv(env).mongodbUri;
if (!mongoUri)
  throw new Error('the functions-worker project binds MONGODB_URI to the test MongoDB-wire server');

// A client of the test's own, inside workerd, to look at what MongoDocuments wrote.
const inspector = new MongoClient(mongoUri, { serverSelectionTimeoutMS: 5_000 });
afterAll(() => inspector.close());

describeDocumentStoreContract('TenantDocuments (SQLite Durable Object, workerd)', {
  store: (scope) => new DurableObjectDocumentStore(env.TENANT_DOCUMENTS, scope.provider, scope.tenant),
});

describeDocumentStoreContract(`MongoDocuments (Durable Object → ${mongoKind}, workerd)`, {
  store: (scope) => new DurableObjectDocumentStore(env.MONGO_DOCUMENTS, scope.provider, scope.tenant),
  uniqueIndexes: async (scope: DocumentScope, collection) => {
    const indexes = await inspector
      .db(mongoDatabaseName(scope.provider, scope.tenant))
      .collection(collection)
      .indexes();
    return indexes.filter((i) => i.unique).map((i) => Object.keys(i.key));
  },
});

describe('MongoDocuments', () => {
  it('writes the tenant named by its Durable Object name into promethean_<provider>_<tenant>', async () => {
    const scope = { provider: 'contract', tenant: `do-name-${Math.random().toString(36).slice(2, 8)}` };
    const stub = env.MONGO_DOCUMENTS.get(env.MONGO_DOCUMENTS.idFromName(documentObjectName(scope)));
    expect(await stub.databaseName()).toBe(`promethean_contract_${scope.tenant}`);
    const store = new DurableObjectDocumentStore(env.MONGO_DOCUMENTS, scope.provider, scope.tenant);
    await store.upsertMany('messages', [
      {
        ...scope,
        foreign_id: '1',
        urn: `urn:contract:message:${scope.tenant}:1`,
        index: { channel_id: 'c' },
        slots: { created: { version: '1', value: { content: 'hi' } } },
      },
    ]);
    const record = await inspector
      .db(`promethean_contract_${scope.tenant}`)
      .collection('messages')
      .findOne({});
    expect(record).toMatchObject({ ...scope, foreign_id: '1', index: { channel_id: 'c' }, deleted: false });
  });

  it('refuses to serve an object not reached by idFromName("<provider>:<tenant>")', async () => {
    const stub = env.MONGO_DOCUMENTS.get(env.MONGO_DOCUMENTS.newUniqueId());
    const error = await stub.count('messages').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(String(error)).toMatch(/idFromName/);
  });
});
