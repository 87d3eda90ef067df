/** Starts the access Worker under `wrangler dev` for benchmarks, pointed at a fake Discord with bench credentials. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentialBindings } from '../../durable-objects/dev/credential-bindings.ts';
import { ManagedProcess, waitForHttp } from '../../scripts/dev/managed-process.ts';

export interface AccessWorkerProcess {
  url: string;
  stop(): Promise<void>;
}

/** `credentials` maps Discord tenant names to the bot credential the fake accepts for them. */
export async function startAccessWorker(
  restUrl: string,
  credentials: Record<string, string>,
): Promise<AccessWorkerProcess> {
  const root = join(import.meta.dirname, '..', '..');
  const port = 18_000 + Math.floor(Math.random() * 2000);
  const stateDir = mkdtempSync(join(tmpdir(), 'bench-access-'));
  const vars = {
    DISCORD_API_BASE: restUrl,
    ...credentialBindings({
      discord: Object.fromEntries(Object.entries(credentials).map(([t, c]) => [t, { bot_token: c }])),
    }),
  };
  const worker = new ManagedProcess({
    name: 'wrangler',
    command: process.execPath,
    args: [
      join(root, 'node_modules/wrangler/bin/wrangler.js'),
      'dev',
      '-c',
      'durable-objects/wrangler.toml',
      '--ip',
      '127.0.0.1',
      '--port',
      String(port),
      '--inspector-port',
      '0',
      '--persist-to',
      stateDir,
      '--show-interactive-dev-session=false',
      ...Object.entries(vars).flatMap(([k, v]) => ['--var', `${k}:${v}`]),
    ],
    cwd: root,
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1' },
    stopSignal: 'SIGINT',
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${url}/health`, worker, 120_000);
  } catch (e) {
    await worker.stop();
    rmSync(stateDir, { recursive: true, force: true });
    throw e;
  }
  return {
    url,
    stop: async () => {
      await worker.stop();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
