/**
 * `npx tsx test/bench/mongo-wire-compare.ts -- --json`: the same document-store workload against FerretDB
 * v1.24 on its SQLite backend (the test server today) and on Debian's PostgreSQL 15 (the candidate): a
 * backfill-shaped write (pages of 100 new messages, then the same pages again as the second agent's
 * redelivery), channel pages and counts. One JSON line last. Needs `initdb`/`pg_ctl` under
 * /usr/lib/postgresql/15/bin and a `postgres` user when run as root.
 */
import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { MongoClient } from 'mongodb';
import { createdDocument } from '../../functions/agents/message-indexer/message-document.ts';
import type { StoredDocument } from '../../shared/effects/document-store.ts';
import { MongoDocumentStore } from '../../shared/effects/mongo-document-store.ts';
import { ensureFerretDbBinary } from '../servers/ferretdb-binary.ts';
import { freePort } from '../servers/free-port.ts';
import { pingMongo } from '../servers/mongo-wire-server.ts';
import { ServerProcess } from '../servers/server-process.ts';

const { values } = parseArgs({
  options: { messages: { type: 'string', default: '2000' }, json: { type: 'boolean' } },
});
const N = Number(values.messages);
const PG_BIN = '/usr/lib/postgresql/15/bin';
const ROOT = join(import.meta.dirname, '..', '..');
const log = (line: string) => console.error(line);
const asPostgres = (cmd: string, args: string[]) =>
  process.getuid?.() === 0
    ? execFileSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { stdio: 'pipe' })
    : execFileSync(cmd, args, { stdio: 'pipe' });

function message(i: number): StoredDocument {
  const id = String(7_000_000_000 + i);
  return createdDocument(
    { provider: 'bench', tenant: 'wire' },
    {
      urn: `urn:bench:message:wire:${id}`,
      foreign_id: id,
      channel: { urn: `urn:bench:channel:wire:c${i % 20}`, foreign_id: `c${i % 20}` },
      is_direct: false,
      author: { urn: 'urn:bench:user:wire:u', foreign_id: 'u', bot: false },
      content: `message ${i}`,
      created_at: '2026-01-01T00:00:00.000Z',
      attachments: [],
      mentions: { users: [], roles: [], everyone: false, bot: false },
    },
  );
}

async function workload(uri: string) {
  const client = new MongoClient(uri);
  try {
    const store = new MongoDocumentStore(client, { provider: 'bench', tenant: 'wire' }, { target: 'test' });
    const pages = Array.from({ length: Math.ceil(N / 100) }, (_, p) =>
      Array.from({ length: Math.min(100, N - p * 100) }, (_, i) => message(p * 100 + i)),
    );
    let t = performance.now();
    for (const page of pages) await store.upsertMany('messages', page, { returnDocuments: true });
    const firstWrite = (performance.now() - t) / 1000;
    t = performance.now();
    for (const page of pages) await store.upsertMany('messages', page, { returnDocuments: true });
    const redelivery = (performance.now() - t) / 1000;
    t = performance.now();
    for (let c = 0; c < 20; c++) await store.find('messages', { channel_id: `c${c}` }, { limit: 50 });
    const channelPages = (performance.now() - t) / 1000;
    t = performance.now();
    const count = await store.count('messages');
    const countSeconds = (performance.now() - t) / 1000;
    return {
      write_msgs_per_s: Math.round(N / firstWrite),
      redelivery_msgs_per_s: Math.round(N / redelivery),
      channel_page_ms: Math.round((channelPages / 20) * 1000),
      count_ms: Math.round(countSeconds * 1000),
      count,
    };
  } finally {
    await client.close();
  }
}

async function ferret(args: string[], dir: string) {
  const binary = await ensureFerretDbBinary(ROOT, log);
  const port = await freePort();
  const proc = ServerProcess.start({
    name: 'FerretDB',
    command: binary,
    args: [
      ...args,
      `--listen-addr=127.0.0.1:${port}`,
      `--state-dir=${dir}`,
      '--debug-addr=-',
      '--telemetry=disable',
      '--log-level=warn',
    ],
  });
  const uri = `mongodb://127.0.0.1:${port}/`;
  await proc.waitUntilReady(() => pingMongo(uri, 500));
  return { uri, proc };
}

const dir = await mkdtemp(join(tmpdir(), 'promethean-wire-compare-'));
await chmod(dir, 0o777);
const results: Record<string, unknown> = { bench: 'mongo-wire-compare', messages: N };
try {
  const sqlite = await ferret(['--handler=sqlite', `--sqlite-url=file:${dir}/`], dir);
  try {
    results.ferretdb_sqlite = await workload(sqlite.uri);
  } finally {
    await sqlite.proc.stop();
  }
  const pgData = join(dir, 'pg');
  const pgPort = await freePort();
  asPostgres(join(PG_BIN, 'initdb'), ['-D', pgData, '-A', 'trust', '-U', 'ferret', '--no-sync']);
  asPostgres(join(PG_BIN, 'pg_ctl'), [
    '-D',
    pgData,
    '-w',
    '-l',
    join(pgData, 'log'),
    '-o',
    `-p ${pgPort} -k ${pgData} -c listen_addresses=127.0.0.1 -c fsync=off`,
    'start',
  ]);
  try {
    asPostgres(join(PG_BIN, 'createdb'), [
      '-h',
      '127.0.0.1',
      '-p',
      String(pgPort),
      '-U',
      'ferret',
      'ferretdb',
    ]);
    const pg = await ferret(
      ['--handler=postgresql', `--postgresql-url=postgres://ferret@127.0.0.1:${pgPort}/ferretdb`],
      dir,
    );
    try {
      results.ferretdb_postgresql = await workload(pg.uri);
    } finally {
      await pg.proc.stop();
    }
  } finally {
    asPostgres(join(PG_BIN, 'pg_ctl'), ['-D', pgData, '-w', '-m', 'fast', 'stop']);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
console.log(JSON.stringify(results));
