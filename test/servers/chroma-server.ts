/**
 * A real Chroma server for tests, benchmarks and chaos runs: `chroma run` from the `chromadb` package on
 * 127.0.0.1, ready once `/api/v2/heartbeat` answers. `restart()` keeps the port and the data directory.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromaClientArgs, TARGET_KEY } from '@promethean/shared/effects/chroma-vector-store';
import { DataTarget, type ObservedMarker } from '@promethean/shared/migrations/target-marker';
import { ChromaClient, ChromaNotFoundError } from 'chromadb';
import { useWalJournal } from './chroma-journal.ts';
import { freePort } from './free-port.ts';
import { ServerProcess } from './server-process.ts';

export interface ChromaServer {
  /** e.g. `http://127.0.0.1:41235` */
  url: string;
  kind: 'chroma';
  /** The server's `--path`: its SQLite file and HNSW segments. */
  dataDir: string;
  description: string;
  /** Stops the server (waiting for it to exit: SIGTERM takes over a second) and removes its data. */
  stop(): Promise<void>;
  /** Stops and starts it again on the same port with the same data. */
  restart(): Promise<void>;
  /** Stops it without removing its data (a crash); `restart()` brings it back. */
  kill(): Promise<void>;
}

export interface ChromaServerOptions {
  port?: number;
  log?: (line: string) => void;
}

const CHROMA_CLI = join(import.meta.dirname, '..', '..', 'node_modules', 'chromadb', 'dist', 'cli.mjs');

/** Resolves true once Chroma's heartbeat answers 200 at `url`. */
export async function chromaHeartbeat(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/api/v2/heartbeat`, { signal: AbortSignal.timeout(1_000) });
    return response.ok;
  } catch {
    return false;
  }
}

/** A server the tests start is disposable: a marker collection says `test`. */
async function markChromaServer(url: string): Promise<void> {
  const client = new ChromaClient(chromaClientArgs(url));
  await client.getOrCreateCollection({
    name: CHROMA_MARKER_COLLECTION,
    embeddingFunction: null,
    metadata: { [TARGET_KEY]: 'test' },
  });
}

/** The server's marker: `test` only when the marker collection says so. */
export async function chromaServerMarker(url: string): Promise<ObservedMarker> {
  const client = new ChromaClient(chromaClientArgs(url));
  try {
    const col = await client.getCollection({ name: CHROMA_MARKER_COLLECTION });
    const parsed = DataTarget.safeParse(col.metadata?.[TARGET_KEY]);
    return parsed.success ? parsed.data : 'unmarked';
  } catch (error) {
    if (error instanceof ChromaNotFoundError) return 'unmarked';
    throw error;
  }
}

/** Starts a Chroma server with a fresh data directory. */
export async function startChromaServer(options: ChromaServerOptions = {}): Promise<ChromaServer> {
  const log = options.log ?? ((line: string) => console.log(line));
  const port = options.port ?? (await freePort());
  const dataDir = await mkdtemp(join(tmpdir(), 'promethean-chroma-'));
  const url = `http://127.0.0.1:${port}`;
  let proc: ServerProcess | undefined;
  const launch = async () => {
    proc = ServerProcess.start({
      name: 'Chroma',
      // The running Node (22), not whatever `node` the chroma script's shebang would find.
      command: process.execPath,
      args: [CHROMA_CLI, 'run', '--path', dataDir, '--host', '127.0.0.1', '--port', String(port)],
    });
    await proc.waitUntilReady(() => chromaHeartbeat(url));
    // Chroma has made its SQLite file and no client is connected yet: switch it to WAL (chroma-journal.ts).
    useWalJournal(dataDir);
  };
  await launch();
  await markChromaServer(url);
  const description = `Chroma at ${url} (data in ${dataDir})`;
  log(`[test servers] vectors: ${description}`);
  return {
    url,
    kind: 'chroma',
    dataDir,
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

/** The collection whose metadata marks a Chroma server as a test server (`promethean:target`). */
export const CHROMA_MARKER_COLLECTION = 'promethean_target_marker';
