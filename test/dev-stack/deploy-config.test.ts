/**
 * The deployment as the README deploys it: `npm run deploy -- --dry-run` builds every step of a first
 * deploy with the real wrangler and finds a production configuration, and both Workers started from
 * their deploy configuration alone (no --var, no .dev.vars) answer 404 on /dev/*.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { waitForHttp } from '../../scripts/dev/managed-process.ts';
import { startWranglerDev } from '../../scripts/dev/wrangler-dev.ts';

const root = join(import.meta.dirname, '..', '..');
const tsx = join(root, 'node_modules/tsx/dist/cli.mjs');
const scratch = mkdtempSync(join(tmpdir(), 'deploy-config-'));
// An env file replaces .dev.vars, so a developer's local file cannot make this test pass.
const noLocalVars = join(scratch, 'empty.env');
writeFileSync(noLocalVars, '');

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

async function asDeployed(configs: string[], paths: string[]): Promise<Record<string, number>> {
  const port = await freePort();
  const workers = startWranglerDev({
    root,
    configs,
    port,
    stateDir: join(scratch, `state-${port}`),
    envFile: noLocalVars,
    asDeployed: true,
  });
  try {
    const base = `http://127.0.0.1:${port}`;
    await waitForHttp(`${base}/health`, workers, 120_000);
    const statuses: Record<string, number> = {};
    for (const path of paths) {
      const res = await fetch(`${base}${path}`, { method: path.endsWith('/messages') ? 'POST' : 'GET' });
      await res.arrayBuffer();
      statuses[path] = res.status;
    }
    return statuses;
  } finally {
    await workers.stop();
  }
}

const DEV_PATHS = [
  '/dev/echo/demo/transcript',
  '/dev/echo/demo/messages',
  '/dev/discord/duck/rest',
  '/dev/discord/duck/gateway/0',
];

describe('the deploy configuration', () => {
  it('builds every step of a first deploy with wrangler --dry-run, as production', () => {
    const run = spawnSync(process.execPath, [tsx, 'scripts/deploy.ts', '--dry-run'], {
      cwd: root,
      encoding: 'utf8',
    });
    const output = `${run.stdout}${run.stderr}`;
    expect(output, output).toContain('deploy dry run passed: 3 steps built, production configuration');
    expect(run.status).toBe(0);
    expect(output).toContain('promethean-access, first deploy (without OPS_LEDGER)');
  }, 180_000);

  it('answers 404 on /dev/* on the functions Worker started from its deploy configuration', async () => {
    const statuses = await asDeployed(
      ['wrangler.toml', 'durable-objects/wrangler.toml'],
      [...DEV_PATHS, '/dev/index/echo/demo?messages=1'],
    );
    expect(
      Object.values(statuses).every((s) => s === 404),
      JSON.stringify(statuses),
    ).toBe(true);
  }, 180_000);

  it('answers 404 on /dev/* on the access Worker started from its deploy configuration', async () => {
    const statuses = await asDeployed(['durable-objects/wrangler.toml'], DEV_PATHS);
    expect(
      Object.values(statuses).every((s) => s === 404),
      JSON.stringify(statuses),
    ).toBe(true);
  }, 180_000);
});
