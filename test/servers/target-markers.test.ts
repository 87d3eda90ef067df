/** The test setup's guard rail: servers it starts are marked test, and anything else is refused by name. */
import { MongoDocumentStore } from '@promethean/shared/effects/mongo-document-store';
import { readMongoMarker, setMongoMarker } from '@promethean/shared/migrations/mongo-target-marker';
import { TestTargetRefusedError } from '@promethean/shared/migrations/target-marker';
import { MongoClient } from 'mongodb';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { chromaServerMarker } from './chroma-server.ts';
import { assertTestMongoServer } from './mongo-wire-server.ts';

const { mongoUri, chromaUrl } = inject('storageServers');
const client = new MongoClient(mongoUri);
afterAll(async () => {
  for (const name of ['promethean_contract_marker_w', 'promethean_contract_marker_u']) {
    await client.db(name).dropDatabase();
  }
  await client.close();
});

describe('target markers', () => {
  it('the servers the test setup starts are marked test', async () => {
    await expect(assertTestMongoServer(mongoUri)).resolves.toBeUndefined();
    expect(await chromaServerMarker(chromaUrl)).toBe('test');
  });

  it('refuses a MongoDB whose marker says working, naming the server and the marker', async () => {
    await setMongoMarker(client.db('promethean_contract_marker_w'), 'working');
    const refused = assertTestMongoServer(mongoUri, 'promethean_contract_marker_w');
    await expect(refused).rejects.toBeInstanceOf(TestTargetRefusedError);
    await expect(refused).rejects.toThrow(`the MongoDB at ${mongoUri}`);
    await expect(refused).rejects.toThrow('"working", not "test"');
  });

  it('refuses an unmarked MongoDB', async () => {
    await expect(assertTestMongoServer(mongoUri, 'promethean_contract_marker_u')).rejects.toThrow(
      '"unmarked", not "test"',
    );
  });

  it('a database the document store creates carries the store’s target, working by default', async () => {
    const tested = new MongoDocumentStore(
      client,
      { provider: 'contract', tenant: 'marker-t' },
      { target: 'test' },
    );
    const plain = new MongoDocumentStore(client, { provider: 'contract', tenant: 'marker-d' });
    const doc = (tenant: string) => ({
      provider: 'contract',
      tenant,
      foreign_id: '1',
      urn: `urn:contract:message:${tenant}:1`,
      index: {},
      slots: { created: { version: '1', value: {} } },
    });
    await tested.upsertMany('jobs', [doc('marker-t')]);
    await plain.upsertMany('jobs', [doc('marker-d')]);
    expect(await readMongoMarker(client.db(tested.databaseName))).toBe('test');
    expect(await readMongoMarker(client.db(plain.databaseName))).toBe('working');
    await client.db(tested.databaseName).dropDatabase();
    await client.db(plain.databaseName).dropDatabase();
  });
});
