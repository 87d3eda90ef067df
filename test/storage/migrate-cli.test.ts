/** `npm run migrate` as an operator runs it, against the test servers: refusals, a run, verify and repair. */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { messageVectorSource } from '@promethean/functions/agents/message-embedder/message-vector-source';
import { createdDocument } from '@promethean/functions/agents/message-indexer/message-document';
import { OfflineModelPort } from '@promethean/functions/models/offline-model-port';
import { ChromaVectorStore, chromaClientArgs } from '@promethean/shared/effects/chroma-vector-store';
import { MongoDocumentStore } from '@promethean/shared/effects/mongo-document-store';
import { vectorCollectionName } from '@promethean/shared/effects/vector-schema';
import { ChromaClient } from 'chromadb';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

const run = promisify(execFile);
const { mongoUri, chromaUrl } = inject('storageServers');
const ROOT = join(import.meta.dirname, '..', '..');
const tenant = 'cli';
const client = new MongoClient(mongoUri);
const store = new MongoDocumentStore(client, { provider: 'contract', tenant }, { target: 'test' });
let reports: string;

async function migrate(args: string[], env: Record<string, string> = {}) {
  // The caller's own MIGRATION_* never leak in: each case sets exactly what it tests.
  const base: Record<string, string | undefined> = {
    ...process.env,
    MONGODB_URI: mongoUri,
    CHROMA_URL: chromaUrl,
  };
  delete base.MIGRATION_TARGET;
  delete base.MIGRATION_CONFIRM;
  Object.assign(base, env);
  const argv = [
    'tsx',
    'scripts/migrate.ts',
    ...args,
    '--database',
    store.databaseName,
    '--report-dir',
    reports,
  ];
  try {
    const { stdout, stderr } = await run('npx', argv, {
      cwd: ROOT,
      env: base as unknown as NodeJS.ProcessEnv,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

async function lastReport(): Promise<Record<string, unknown>> {
  const names = (await readdir(reports)).filter((n) => n.endsWith('.json')).sort();
  return JSON.parse(await readFile(join(reports, names.at(-1)!), 'utf8'));
}

beforeAll(async () => {
  reports = await mkdtemp(join(tmpdir(), 'promethean-migrate-'));
  const docs = Array.from({ length: 40 }, (_, i) =>
    createdDocument(
      { provider: 'contract', tenant },
      {
        urn: `urn:contract:message:${tenant}:${100 + i}`,
        foreign_id: String(100 + i),
        channel: { urn: `urn:contract:channel:${tenant}:c`, foreign_id: 'c' },
        is_direct: false,
        author: { urn: `urn:contract:user:${tenant}:u`, foreign_id: 'u', bot: false },
        content: `cli message ${i}`,
        created_at: '2026-01-01T00:00:00.000Z',
        attachments: [],
        mentions: { users: [], roles: [], everyone: false, bot: false },
      },
    ),
  );
  await store.upsertMany('messages', docs);
  const sources = docs.map(messageVectorSource).flatMap((s) => (s.skip === undefined ? [s] : []));
  const answer = await new OfflineModelPort().embed(sources.map((s) => s.text));
  await new ChromaVectorStore({ url: chromaUrl, provider: 'contract', tenant, target: 'test' }).upsert(
    'messages',
    sources.map((s, i) => ({
      id: s.id,
      embedding: answer.vectors[i]!,
      document: s.text,
      metadata: s.metadata,
    })),
    { model: answer.model, dimension: answer.dimension },
  );
}, 60_000);

afterAll(async () => {
  await client.db(store.databaseName).dropDatabase();
  await client.close();
  await new ChromaClient(chromaClientArgs(chromaUrl))
    .deleteCollection({ name: vectorCollectionName('contract', tenant, 'messages') })
    .catch(() => undefined);
  await rm(reports, { recursive: true, force: true });
});

describe('npm run migrate', { timeout: 60_000 }, () => {
  it('refuses without MIGRATION_TARGET, and when it disagrees with --target', async () => {
    const none = await migrate(['--target', 'test', '--up', 'latest']);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('refused (migration-target)');
    const other = await migrate(['--target', 'test', '--up', 'latest'], { MIGRATION_TARGET: 'working' });
    expect(other.stderr).toContain('refused (target-mismatch)');
  });

  it('migrates a test database to the latest version and writes JSON and Markdown reports', async () => {
    const result = await migrate(['--target', 'test', '--up', 'latest'], { MIGRATION_TARGET: 'test' });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      '1_target_marker:applied 2_contract_indexes:applied 3_vector_collection_metadata:applied',
    );
    expect(JSON.parse(result.stdout.trim().split('\n').at(-1)!)).toMatchObject({
      ok: true,
      mode: 'up',
      databases: 1,
    });
    const md = (await readdir(reports)).filter((n) => n.endsWith('.md'));
    expect(md).toHaveLength(1);
  });

  it('--verify-only exits 1 on planted drift with the ids in its report; --repair fixes it', async () => {
    const col = await new ChromaClient(chromaClientArgs(chromaUrl)).getCollection({
      name: vectorCollectionName('contract', tenant, 'messages'),
    });
    await col.delete({ ids: [`urn:contract:message:${tenant}:105`, `urn:contract:message:${tenant}:131`] });
    const env = { MIGRATION_TARGET: 'test' };
    const found = await migrate(['--target', 'test', '--verify-only'], env);
    expect(found.code).toBe(1);
    const report = (await lastReport()) as {
      databases: Array<{ extra: { integrity: { by_kind: unknown } } }>;
    };
    expect(report.databases[0]!.extra.integrity.by_kind).toEqual({ missing_vector: 2 });
    const repaired = await migrate(['--target', 'test', '--verify-only', '--repair'], env);
    expect(repaired.code).toBe(0);
    expect((await migrate(['--target', 'test', '--verify-only'], env)).code).toBe(0);
  });
});
