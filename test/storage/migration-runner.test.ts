/** The migration runner against the real MongoDB-wire test server: interlocks, drift gates, versions, reruns. */
import {
  CHUNKER_KEY,
  chromaClientArgs,
  PIN_DIMENSION_KEY,
  PIN_MODEL_KEY,
  TARGET_KEY,
} from '@promethean/shared/effects/chroma-vector-store';
import { MongoDocumentStore } from '@promethean/shared/effects/mongo-document-store';
import { vectorCollectionName } from '@promethean/shared/effects/vector-schema';
import { migrationReportMarkdown } from '@promethean/shared/migrations/migration-report';
import {
  APPLIED_COLLECTION,
  type MigrationRunOptions,
  runMigrations,
} from '@promethean/shared/migrations/migration-runner';
import { LATEST_VERSION, MIGRATION_STEPS } from '@promethean/shared/migrations/migration-steps';
import { setMongoMarker } from '@promethean/shared/migrations/mongo-target-marker';
import { MigrationInterlockError, WORKING_CONFIRMATION } from '@promethean/shared/migrations/target-marker';
import { ChromaClient } from 'chromadb';
import { MongoClient } from 'mongodb';
import { afterAll, describe, expect, inject, it } from 'vitest';

const { mongoUri, chromaUrl } = inject('storageServers');
const client = new MongoClient(mongoUri);
const created: string[] = [];
afterAll(async () => {
  for (const name of created) await client.db(name).dropDatabase();
  await client.close();
});

async function tenantDatabase(tenant: string): Promise<string> {
  const store = new MongoDocumentStore(client, { provider: 'contract', tenant }, { target: 'test' });
  await store.upsertMany('messages', [
    {
      provider: 'contract',
      tenant,
      foreign_id: '1',
      urn: `urn:contract:message:${tenant}:1`,
      index: { channel_id: 'c' },
      slots: {
        deleted: { version: '2026-01-01T00:00:00.000Z', value: { deleted_at: '2026-01-01T00:00:00.000Z' } },
      },
    },
  ]);
  created.push(store.databaseName);
  return store.databaseName;
}

function options(database: string, overrides: Partial<MigrationRunOptions> = {}): MigrationRunOptions {
  return {
    client,
    uri: mongoUri,
    steps: MIGRATION_STEPS,
    requestedTarget: 'test',
    env: { MIGRATION_TARGET: 'test' },
    mode: 'up',
    upTo: LATEST_VERSION,
    databaseFilter: (n) => n === database,
    runId: 'run-1',
    gitSha: 'abc1234',
    ...overrides,
  };
}

describe('migration runner', () => {
  it('applies every step once, records each version, and a rerun changes nothing', async () => {
    const database = await tenantDatabase('mig-apply');
    const first = await runMigrations(options(database));
    expect(first.ok).toBe(true);
    expect(first.databases[0]!.steps.map((s) => [s.version, s.status])).toEqual([
      [1, 'applied'],
      [2, 'applied'],
      [3, 'applied'],
    ]);
    const applied = await client
      .db(database)
      .collection(APPLIED_COLLECTION)
      .find({})
      .sort({ _id: 1 })
      .toArray();
    expect(applied.map((a) => [a._id, a.name, a.git_sha, a.run_id])).toEqual([
      [1, 'target_marker', 'abc1234', 'run-1'],
      [2, 'contract_indexes', 'abc1234', 'run-1'],
      [3, 'vector_collection_metadata', 'abc1234', 'run-1'],
    ]);
    const again = await runMigrations(options(database, { runId: 'run-2' }));
    expect(again.databases[0]!.steps).toEqual([]);
    expect(again.databases[0]!.applied_before).toEqual([1, 2, 3]);
    expect(migrationReportMarkdown(again)).toContain('# Migration run run-2');
  });

  it('stops at --up <version>', async () => {
    const database = await tenantDatabase('mig-upto');
    const report = await runMigrations(options(database, { upTo: 1 }));
    expect(report.databases[0]!.steps.map((s) => s.version)).toEqual([1]);
  });

  it('a dry run plans the pending steps and changes nothing', async () => {
    const database = await tenantDatabase('mig-dry');
    const report = await runMigrations(options(database, { mode: 'dry-run' }));
    expect(report.databases[0]!.steps.map((s) => s.status)).toEqual(['planned', 'planned', 'planned']);
    expect(await client.db(database).collection(APPLIED_COLLECTION).countDocuments()).toBe(0);
  });

  it('refuses on pre-flight drift, and repairs it with --allow-contract-drift and the confirmation', async () => {
    const database = await tenantDatabase('mig-drift');
    await client.db(database).collection('messages').dropIndex('provider_1_tenant_1_deleted_1_sort_key_-1');
    const refused = await runMigrations(options(database));
    expect(refused.ok).toBe(false);
    expect(refused.databases[0]!.error).toMatch(/pre-flight: 1 contract difference/);
    expect(refused.databases[0]!.steps).toEqual([]);

    await expect(runMigrations(options(database, { allowContractDrift: true }))).rejects.toThrow(
      /--allow-contract-drift needs MIGRATION_CONFIRM/,
    );
    const env = { MIGRATION_TARGET: 'test', MIGRATION_CONFIRM: WORKING_CONFIRMATION };
    const repaired = await runMigrations(options(database, { allowContractDrift: true, env }));
    expect(repaired.ok).toBe(true);
    expect(repaired.databases[0]!.steps.find((s) => s.version === 2)!.notes).toEqual([
      'created messages.provider_1_tenant_1_deleted_1_sort_key_-1',
    ]);
    expect(repaired.databases[0]!.postflight).toEqual([]);
  });

  it('0003 stamps a Chroma collection made before markers, and leaves its pin alone', async () => {
    const database = await tenantDatabase('mig-chroma');
    const chroma = new ChromaClient(chromaClientArgs(chromaUrl));
    const name = vectorCollectionName('contract', 'mig-chroma', 'messages');
    const pin = { [PIN_MODEL_KEY]: 'legacy', [PIN_DIMENSION_KEY]: 4 };
    await chroma.createCollection({ name, embeddingFunction: null, metadata: pin });
    const report = await runMigrations(options(database, { chroma }));
    expect(report.databases[0]!.steps.find((s) => s.version === 3)).toMatchObject({
      changed: 1,
      notes: [`stamped ${name}`],
    });
    const col = await chroma.getCollection({ name });
    expect(col.metadata).toEqual({ ...pin, [TARGET_KEY]: 'test', [CHUNKER_KEY]: 'message-text-v1' });
    await chroma.deleteCollection({ name });
  });

  it('refuses a working database under MIGRATION_TARGET=test before changing anything', async () => {
    const database = await tenantDatabase('mig-working');
    await setMongoMarker(client.db(database), 'working');
    await expect(runMigrations(options(database))).rejects.toBeInstanceOf(MigrationInterlockError);
    await expect(runMigrations(options(database))).rejects.toThrow(
      new RegExp(`database ${database}.*"working"`),
    );
    expect(await client.db(database).collection(APPLIED_COLLECTION).countDocuments()).toBe(0);
  });

  it('refuses a working database without the exact confirmation, and migrates it with it', async () => {
    const database = await tenantDatabase('mig-confirm');
    await setMongoMarker(client.db(database), 'working');
    const working = {
      requestedTarget: 'working',
      env: { MIGRATION_TARGET: 'working', MIGRATION_CONFIRM: 'yes' },
    };
    await expect(runMigrations(options(database, working))).rejects.toThrow(
      /MIGRATION_CONFIRM=I_ACKNOWLEDGE/,
    );
    const confirmed = {
      ...working,
      env: { MIGRATION_TARGET: 'working', MIGRATION_CONFIRM: WORKING_CONFIRMATION },
    };
    expect((await runMigrations(options(database, confirmed))).ok).toBe(true);
  });
});
