/**
 * Starts the access Worker for benchmarks, pointed at a fake Discord with bench credentials: under
 * `wrangler dev`, or with STACK_LAUNCHER=miniflare through Miniflare's API (the functions Worker is loaded
 * beside it there, idle, because the access Worker's OPS_LEDGER binding names it).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentialBindings } from '../../durable-objects/dev/credential-bindings.ts';
import { waitForHttp } from '../../scripts/dev/managed-process.ts';
import { startMiniflareWorkers } from '../../scripts/dev/miniflare-workers.ts';
import { startWranglerDev } from '../../scripts/dev/wrangler-dev.ts';
import { freePort } from '../servers/free-port.ts';
import { wranglerDevStackEnv } from './pipeline-stack.ts';

export interface AccessWorkerProcess {
  url: string;
  stop(): Promise<void>;
}

/**
 * `credentials` maps Discord tenant names to the bot credential the fake accepts for them; `settings` are
 * further plain vars for the access Worker (e.g. `GATEWAY_COALESCE`).
 */
export async function startAccessWorker(
  restUrl: string,
  credentials: Record<string, string>,
  settings: Record<string, string> = {},
): Promise<AccessWorkerProcess> {
  const root = join(import.meta.dirname, '..', '..');
  const vars = {
    ...settings,
    DISCORD_API_BASE: restUrl,
    ...credentialBindings({
      discord: Object.fromEntries(Object.entries(credentials).map(([t, c]) => [t, { bot_token: c }])),
    }),
  };
  if (process.env.STACK_LAUNCHER === 'miniflare') {
    const workers = await startMiniflareWorkers({
      root,
      port: await freePort(),
      workers: [{ config: 'durable-objects/wrangler.toml', vars }, { config: 'wrangler.toml' }],
    });
    return { url: workers.url, stop: () => workers.stop() };
  }
  const port = 18_000 + Math.floor(Math.random() * 2000);
  const stateDir = mkdtempSync(join(tmpdir(), 'bench-access-'));
  const worker = startWranglerDev({
    root,
    configs: ['durable-objects/wrangler.toml'],
    port,
    stateDir,
    vars,
    env: wranglerDevStackEnv(),
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
