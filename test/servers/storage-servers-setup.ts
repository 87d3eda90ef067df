/**
 * Vitest global setup for every project that needs the storage servers (unit, functions-worker): starts
 * one MongoDB-wire server and one Chroma for the whole run, shared by all projects in this process, and
 * stops them when the last project is done. Tests read the addresses with `inject('storageServers')`.
 */
import { MongoClient } from 'mongodb';
import type { TestProject } from 'vitest/node';
import { type ChromaServer, startChromaServer } from './chroma-server.ts';
import {
  assertTestMongoServer,
  type MongoWireKind,
  type MongoWireServer,
  startMongoWireServer,
} from './mongo-wire-server.ts';
import { planStorageServers } from './storage-server-plan.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    storageServers: { mongoUri: string; mongoKind: MongoWireKind; chromaUrl: string };
  }
}

/** Databases the storage tests create (provider `contract`); dropped afterwards from an external MongoDB. */
export const TEST_DATABASE_PREFIX = 'promethean_contract';

interface Running {
  mongo: MongoWireServer;
  chroma: ChromaServer;
}

interface Shared {
  users: number;
  running: Promise<Running>;
}

const KEY = Symbol.for('promethean.test.storageServers');
const registry = globalThis as { [KEY]?: Shared };

async function startBoth(): Promise<Running> {
  const plan = await planStorageServers();
  const [mongo, chroma] = await Promise.allSettled([
    startMongoWireServer({ ...(plan.mongoPort !== undefined && { port: plan.mongoPort }) }),
    startChromaServer({ port: plan.chromaPort }),
  ]);
  if (mongo.status === 'fulfilled' && chroma.status === 'fulfilled') {
    // Before any test writes: a MONGODB_URI whose marker is not `test` fails the whole run here.
    const refused = await assertTestMongoServer(mongo.value.uri).then(
      () => undefined,
      (error: unknown) => error,
    );
    if (!refused) return { mongo: mongo.value, chroma: chroma.value };
    await Promise.all([mongo.value.stop(), chroma.value.stop()]);
    throw refused;
  }
  if (mongo.status === 'fulfilled') await mongo.value.stop();
  if (chroma.status === 'fulfilled') await chroma.value.stop();
  throw mongo.status === 'rejected' ? mongo.reason : (chroma as PromiseRejectedResult).reason;
}

/** Test data left in a MongoDB the tests do not own is removed; a FerretDB's directory just goes. */
async function dropTestDatabases(uri: string): Promise<void> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5_000 });
  try {
    const { databases } = await client.db('admin').admin().listDatabases({ nameOnly: true });
    for (const { name } of databases) {
      if (name.startsWith(TEST_DATABASE_PREFIX)) await client.db(name).dropDatabase();
    }
  } finally {
    await client.close();
  }
}

async function stopBoth(running: Running): Promise<void> {
  if (running.mongo.kind === 'external') await dropTestDatabases(running.mongo.uri);
  await Promise.all([running.mongo.stop(), running.chroma.stop()]);
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let shared = registry[KEY];
  if (!shared) {
    shared = { users: 0, running: startBoth() };
    registry[KEY] = shared;
  }
  shared.users++;
  const { mongo, chroma } = await shared.running;
  project.provide('storageServers', { mongoUri: mongo.uri, mongoKind: mongo.kind, chromaUrl: chroma.url });
  return async () => {
    const current = registry[KEY];
    if (!current || --current.users > 0) return;
    delete registry[KEY];
    await stopBoth(await current.running);
  };
}
