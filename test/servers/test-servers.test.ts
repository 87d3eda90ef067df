/**
 * The test servers' lifecycle as the chaos suite uses it: a server killed under a running store comes
 * back on the same port with the same data, and the store recovers after failing retriably meanwhile.
 */

import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { ChromaVectorStore } from '@promethean/shared/effects/chroma-vector-store';
import { MongoDocumentStore } from '@promethean/shared/effects/mongo-document-store';
import { MongoClient } from 'mongodb';
import { afterAll, describe, expect, it } from 'vitest';
import { CHROMA_SQLITE_FILE } from './chroma-journal.ts';
import { type ChromaServer, chromaHeartbeat, startChromaServer } from './chroma-server.ts';
import { type MongoWireServer, pingMongo, startMongoWireServer } from './mongo-wire-server.ts';

const scope = { provider: 'contract', tenant: 'restart' };
const quiet = () => undefined;

describe('test servers', () => {
  let mongo: MongoWireServer | undefined;
  let chroma: ChromaServer | undefined;
  afterAll(async () => {
    await Promise.all([mongo?.stop(), chroma?.stop()]);
  });

  it('restarts the MongoDB-wire server with its data, and a store recovers across the outage', async () => {
    mongo = await startMongoWireServer({ externalUri: null, log: quiet });
    const client = new MongoClient(mongo.uri, { serverSelectionTimeoutMS: 1_000 });
    try {
      const store = new MongoDocumentStore(client, scope, { target: 'test' });
      const doc = (id: string) => ({
        ...scope,
        foreign_id: id,
        urn: `urn:contract:message:restart:${id}`,
        index: {},
        slots: { created: { version: '1', value: id } },
      });
      await store.upsertMany('messages', [doc('1')]);
      await mongo.kill();
      expect(await pingMongo(mongo.uri, 300)).toBe(false);
      await expect(store.upsertMany('messages', [doc('2')])).rejects.toMatchObject({
        name: 'StoreUnavailableError',
      });
      await mongo.restart();
      await store.upsertMany('messages', [doc('2')]);
      expect((await store.find('messages', {})).map((d) => d.foreign_id)).toEqual(['2', '1']);
    } finally {
      await client.close();
    }
  });

  it('restarts Chroma on the same port with its collections', async () => {
    chroma = await startChromaServer({ log: quiet });
    const store = () => new ChromaVectorStore({ url: chroma!.url, ...scope, target: 'test' });
    await store().upsert('messages', [{ id: 'a', embedding: [1, 0], document: 'a', metadata: {} }], {
      model: 'm',
      dimension: 2,
    });
    await chroma.kill();
    expect(await chromaHeartbeat(chroma.url)).toBe(false);
    await expect(store().count('messages')).rejects.toMatchObject({ name: 'StoreUnavailableError' });
    await chroma.restart();
    expect(await store().count('messages')).toBe(1);
    expect(await store().pinned('messages')).toEqual({ model: 'm', dimension: 2 });
    // Chroma kept the WAL journal it was started with (its own connections set no mode), across the restart.
    const db = new DatabaseSync(join(chroma.dataDir, CHROMA_SQLITE_FILE));
    try {
      expect(db.prepare('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' });
      expect(db.prepare('SELECT count(*) AS n FROM embeddings').get()).toEqual({ n: 1 });
    } finally {
      db.close();
    }
  });
});
