/**
 * The Node bootstrap from a fresh clone on a machine whose Node is too old (scripts/pinned-node.sh): the
 * root postinstall (the last step of `npm ci`) fetches the Node pinned in .nvmrc from the npm registry
 * into .tools/, every npm script then runs under it saying so once, an impossible fetch prints one line
 * saying what to do, and a Node new enough removes the shim. The full `npm ci && npm run dev` from a
 * fresh clone is the long form: `npm run e2e:fresh-clone`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cloneWorkingTree, type Env, oldNode, withoutNpmEnv } from './fresh-clone.ts';

const root = join(import.meta.dirname, '..', '..');
const pinned = readFileSync(join(root, '.nvmrc'), 'utf8').trim();
const old = oldNode();
const work = mkdtempSync(join(tmpdir(), 'promethean-fresh-clone-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function run(cwd: string, path: string, command: string, args: string[], extra: Env = {}) {
  const r = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    env: { ...withoutNpmEnv(process.env), PATH: path, PWD: cwd, ...extra },
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const notices = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('promethean-edge:'));

describe('the pinned Node bootstrap', () => {
  it.skipIf(old === undefined)(
    `runs npm scripts from a fresh clone under Node ${pinned} when ${old?.version ?? 'an old Node'} is first on PATH`,
    () => {
      const clone = cloneWorkingTree(root, join(work, 'clone'));
      expect(existsSync(join(clone, '.tools'))).toBe(false);
      const oldPath = `${dirname(old!.path)}:/usr/bin:/bin`;
      expect(run(clone, oldPath, 'node', ['--version']).stdout.trim()).toBe(old!.version);

      const install = run(clone, oldPath, 'npm', ['run', 'postinstall']);
      expect(install.code, install.stderr).toBe(0);
      expect(notices(install.stderr)).toEqual([
        `promethean-edge: Node ${old!.version} is older than >=22.12: fetched Node ${pinned} into .tools/; npm scripts run under it (rebuilding native packages for it)`,
      ]);

      // What `npm run dev` and `npm test` go through: npm puts node_modules/.bin first on the script's PATH.
      const nested =
        "node -p process.version && node -e \"require('node:child_process').execSync('node --version', {stdio: 'inherit'})\"";
      const script = run(clone, oldPath, 'npm', ['exec', '-c', nested]);
      expect(script.code, script.stderr).toBe(0);
      expect(script.stdout.trim().split('\n')).toEqual([`v${pinned}`, `v${pinned}`]);
      expect(notices(script.stderr)).toEqual([
        `promethean-edge: the system Node ${old!.version} is older than >=22.12: running under the pinned Node ${pinned} from .tools/`,
      ]);

      // No package for this platform (or no registry): one line saying what to do, and a failure.
      const impossible = run(clone, oldPath, 'sh', ['scripts/pinned-node.sh', 'ensure'], {
        PROMETHEAN_NODE_PLATFORM: 'plan9',
      });
      expect(impossible.code).toBe(1);
      expect(impossible.stdout).toBe('');
      expect(notices(impossible.stderr)).toEqual([
        `promethean-edge: Node ${old!.version} is older than this project's >=22.12, and fetching node-plan9-${process.arch === 'arm64' ? 'arm64' : 'x64'}@${pinned} from the npm registry failed (.tools/fetch.log); install Node ${pinned} (e.g. \`nvm install\`, which reads .nvmrc) and run npm ci again.`,
      ]);

      // A Node new enough first on PATH: the next install removes the shim and nothing is said.
      const newPath = `${dirname(process.execPath)}:${oldPath}`;
      const reinstall = run(clone, newPath, 'npm', ['run', 'postinstall']);
      expect(reinstall.code, reinstall.stderr).toBe(0);
      expect(existsSync(join(clone, 'node_modules', '.bin', 'node'))).toBe(false);
      const plain = run(clone, newPath, 'npm', ['exec', '-c', 'node -p process.version']);
      expect(plain.stdout.trim()).toBe(process.version);
      expect(notices(plain.stderr)).toEqual([]);
      expect(execFileSync('git', ['-C', clone, 'status', '--porcelain'], { encoding: 'utf8' })).toBe('');
    },
    180_000,
  );
});
