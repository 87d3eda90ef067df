/**
 * A MongoDB-wire server for tests, benchmarks and chaos runs, on 127.0.0.1: `MONGODB_URI` when set (used
 * as is), else a `mongod` on PATH, else FerretDB v1.24 with its SQLite backend (built on first use).
 * Readiness is a successful `ping`, never a sleep. `restart()` keeps the port and the data directory, so a
 * chaos test can kill the database under running workers and bring the same data back.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ensureMongoMarker,
  readMongoMarker,
  SERVER_MARKER_DATABASE,
} from '@promethean/shared/migrations/mongo-target-marker';
import { assertTestTarget, redactUri } from '@promethean/shared/migrations/target-marker';
import { MongoClient } from 'mongodb';
import { ensureFerretDbBinary, FERRETDB_VERSION } from './ferretdb-binary.ts';
import { freePort } from './free-port.ts';
import { ServerProcess, TestServerError } from './server-process.ts';

export type MongoWireKind = 'external' | 'mongod' | 'ferretdb';

export interface MongoWireServer {
  /** A connection string, e.g. `mongodb://127.0.0.1:41234/`. */
  uri: string;
  kind: MongoWireKind;
  /** A line for logs: which server, where. */
  description: string;
  /** Stops the server (nothing for an external one) and removes its data directory. */
  stop(): Promise<void>;
  /** Stops and starts the same server on the same port with the same data. Not possible for `external`. */
  restart(): Promise<void>;
  /** Stops the server without removing its data (a crash); `restart()` brings it back. */
  kill(): Promise<void>;
}

export interface MongoWireOptions {
  /** The port to listen on (a free one when absent); ignored for `MONGODB_URI`. */
  port?: number;
  /** The repository root (where `.tools/` lives). */
  root?: string;
  /** Progress and choice lines; `console.log` by default. */
  log?: (line: string) => void;
  /** Overrides `process.env.MONGODB_URI` (pass null to ignore it). */
  externalUri?: string | null;
}

const REPO_ROOT = join(import.meta.dirname, '..', '..');

/** Resolves true once a server answers `ping` at `uri`. */
export async function pingMongo(uri: string, timeoutMs = 1_000): Promise<boolean> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: timeoutMs, connectTimeoutMS: timeoutMs });
  try {
    await client.db('admin').command({ ping: 1 });
    return true;
  } catch {
    return false;
  } finally {
    await client.close().catch(() => undefined);
  }
}

/** A server the tests start is disposable: stamp it `test`, so the test setup's check passes for it alone. */
async function markTestServer(uri: string): Promise<void> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5_000 });
  try {
    await ensureMongoMarker(client.db(SERVER_MARKER_DATABASE), 'test');
  } finally {
    await client.close();
  }
}

/**
 * Refuses (TestTargetRefusedError, naming the server) unless the server's marker says `test`. The test
 * setup runs it on every MongoDB-wire server before any test, so a MONGODB_URI that points at working data
 * fails the run instead of writing into it.
 */
export async function assertTestMongoServer(
  uri: string,
  markerDatabase = SERVER_MARKER_DATABASE,
): Promise<void> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5_000 });
  try {
    const marker = await readMongoMarker(client.db(markerDatabase));
    assertTestTarget(
      `the MongoDB at ${redactUri(uri)} (marker in ${markerDatabase}.promethean_meta)`,
      marker,
    );
  } finally {
    await client.close();
  }
}

async function mongodOnPath(): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn('mongod', ['--version'], { stdio: 'ignore' });
    child.once('error', () => resolve(false));
    child.once('exit', (code) => resolve(code === 0));
  });
}

function external(uri: string, log: (line: string) => void): MongoWireServer {
  const description = `MongoDB at MONGODB_URI (${uri.replace(/\/\/[^@/]*@/, '//***@')})`;
  log(`[test servers] MongoDB-wire: ${description}`);
  const cannot = async () => {
    throw new TestServerError('an external MongoDB (MONGODB_URI) cannot be stopped or restarted by tests');
  };
  return { uri, kind: 'external', description, stop: async () => undefined, restart: cannot, kill: cannot };
}

/** Starts (and restarts) one child-process server on a fixed port and data directory. */
async function childServer(
  kind: 'mongod' | 'ferretdb',
  command: string,
  args: (dataDir: string, port: number) => string[],
  port: number,
  label: string,
  log: (line: string) => void,
): Promise<MongoWireServer> {
  const dataDir = await mkdtemp(join(tmpdir(), `promethean-${kind}-`));
  await mkdir(join(dataDir, 'data'), { recursive: true });
  const uri = `mongodb://127.0.0.1:${port}/`;
  let proc: ServerProcess | undefined;
  const launch = async () => {
    proc = ServerProcess.start({ name: label, command, args: args(dataDir, port) });
    await proc.waitUntilReady(() => pingMongo(uri, 500));
  };
  await launch();
  await markTestServer(uri);
  const description = `${label} at ${uri} (data in ${dataDir})`;
  log(`[test servers] MongoDB-wire: ${description}`);
  return {
    uri,
    kind,
    description,
    async kill() {
      await proc?.stop();
    },
    async restart() {
      await proc?.stop();
      await launch();
    },
    async stop() {
      await proc?.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Starts (or adopts) the MongoDB-wire server the tests use; see the file comment for the order. */
export async function startMongoWireServer(options: MongoWireOptions = {}): Promise<MongoWireServer> {
  const log = options.log ?? ((line: string) => console.log(line));
  const externalUri = options.externalUri === undefined ? process.env.MONGODB_URI : options.externalUri;
  if (externalUri) return external(externalUri, log);
  const port = options.port ?? (await freePort());
  if (await mongodOnPath()) {
    return childServer(
      'mongod',
      'mongod',
      (dir, p) => ['--dbpath', join(dir, 'data'), '--port', String(p), '--bind_ip', '127.0.0.1', '--quiet'],
      port,
      'mongod',
      log,
    );
  }
  const binary = await ensureFerretDbBinary(options.root ?? REPO_ROOT, (line) =>
    log(`[ferretdb build] ${line}`),
  );
  return childServer(
    'ferretdb',
    binary,
    (dir, p) => [
      '--handler=sqlite',
      `--sqlite-url=file:${join(dir, 'data')}/`,
      `--listen-addr=127.0.0.1:${p}`,
      `--state-dir=${dir}`,
      '--debug-addr=-',
      '--telemetry=disable',
      '--log-level=warn',
    ],
    port,
    `FerretDB ${FERRETDB_VERSION} (SQLite backend)`,
    log,
  );
}
