/**
 * Starts the dev stack exactly as `npm run dev` does (`scripts/dev-stack.ts` on a free port with its own
 * state directory), the way `test/dev-stack/dev-stack.test.ts` does, and stops it with SIGINT, reporting
 * any process it left behind.
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { pollUntil } from '../../scripts/dev/demo-client.ts';
import { readDevKeys } from '../../scripts/dev/dev-keys.ts';
import { descendants } from '../dev-stack/process-tree.ts';
import { freePort } from '../servers/free-port.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const TSX = join(ROOT, 'node_modules/tsx/dist/cli.mjs');

export interface RunningDevStack {
  /** e.g. `http://127.0.0.1:41234` */
  base: string;
  stateDir: string;
  /** The local ADMIN_TOKEN the stack printed (from its dev keys). */
  adminToken: string;
  /** Everything the stack printed so far. */
  output(): string;
  /** SIGINT, wait for the exit; resolves with the exit code and the pids of processes still alive. */
  stop(): Promise<{ code: number | null; leftover: number[] }>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Starts the stack and resolves once it printed that it is up; stops it again if it never comes up. */
export async function startDevStack(o: { label: string; timeoutMs?: number }): Promise<RunningDevStack> {
  const port = await freePort();
  const stateDir = join(ROOT, '.wrangler', `${o.label}-${port}`);
  const child = spawn(
    process.execPath,
    [TSX, 'scripts/dev-stack.ts', '--port', String(port), '--state-dir', stateDir],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const keep = (d: Buffer) => {
    output += d.toString();
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let stopped: Promise<{ code: number | null; leftover: number[] }> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      const tree = child.pid === undefined ? [] : descendants(child.pid);
      child.kill('SIGINT');
      const code = await exited;
      // The stack waits for its children before exiting; this only catches one it failed to stop.
      await pollUntil(
        async () => (tree.some(alive) ? undefined : true),
        15_000,
        () => 'processes outlived the dev stack',
        100,
      ).catch(() => undefined);
      rmSync(stateDir, { recursive: true, force: true });
      return { code, leftover: tree.filter(alive) };
    })();
    return stopped;
  };
  try {
    await pollUntil(
      async () => (output.includes('Press Ctrl-C to stop.') ? true : undefined),
      o.timeoutMs ?? 120_000,
      () => `the dev stack did not come up:\n${output}`,
      100,
    );
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    base: `http://127.0.0.1:${port}`,
    stateDir,
    adminToken: readDevKeys(stateDir).admin_token,
    output: () => output,
    stop,
  };
}
