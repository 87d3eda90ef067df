/**
 * The dev stack's Chroma server: the storage tests' launcher pieces (`test/servers/`), but with its
 * data kept under the dev state directory, so vectors survive restarts like the Workers' local state.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { useWalJournal } from '../../test/servers/chroma-journal.ts';
import { chromaHeartbeat } from '../../test/servers/chroma-server.ts';
import { freePort } from '../../test/servers/free-port.ts';
import { ServerProcess } from '../../test/servers/server-process.ts';

export interface DevChroma {
  url: string;
  dataDir: string;
  process: ServerProcess;
}

const CHROMA_CLI = join(import.meta.dirname, '..', '..', 'node_modules', 'chromadb', 'dist', 'cli.mjs');

/** Starts `chroma run` on 127.0.0.1 with data in `<stateDir>/chroma`; resolves once its heartbeat answers. */
export async function startDevChroma(stateDir: string, port?: number): Promise<DevChroma> {
  const dataDir = join(stateDir, 'chroma');
  mkdirSync(dataDir, { recursive: true });
  const chosen = port ?? (await freePort());
  const url = `http://127.0.0.1:${chosen}`;
  const proc = ServerProcess.start({
    name: 'Chroma',
    command: process.execPath,
    args: [CHROMA_CLI, 'run', '--path', dataDir, '--host', '127.0.0.1', '--port', String(chosen)],
  });
  await proc.waitUntilReady(() => chromaHeartbeat(url));
  // Chroma has made (or opened) its SQLite file and no client is connected yet: WAL (chroma-journal.ts).
  useWalJournal(dataDir);
  return { url, dataDir, process: proc };
}
