/** Fresh clones of this working tree and an old Node to run them with, for the bootstrap tests. */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * A clone of `root` as it is now: `git stash create` turns uncommitted changes to tracked files into a
 * commit object (touching nothing), which a local clone carries along. Untracked files are not in it.
 */
export function cloneWorkingTree(root: string, into: string): string {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
  const rev = git('stash', 'create') || git('rev-parse', 'HEAD');
  execFileSync('git', ['clone', '--quiet', '--no-checkout', root, into]);
  execFileSync('git', ['-C', into, 'checkout', '--quiet', '--detach', rev]);
  return into;
}

/** A Node older than the project's minimum: PROMETHEAN_OLD_NODE, else the system's /usr/bin/node. */
export function oldNode(): { path: string; version: string } | undefined {
  for (const path of [process.env.PROMETHEAN_OLD_NODE, '/usr/bin/node']) {
    if (!path || !existsSync(path)) continue;
    const version = execFileSync(path, ['--version'], { encoding: 'utf8' }).trim();
    const [major = 0, minor = 0] = version.slice(1).split('.').map(Number);
    if (major < 22 || (major === 22 && minor < 12)) return { path, version };
  }
  return undefined;
}

/** A process environment (ProcessEnv itself is augmented with the Workers bindings, all required). */
export type Env = Record<string, string | undefined>;

/** The environment minus what an enclosing npm run passes down (npm_config_local_prefix and the like). */
export function withoutNpmEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out = { ...env };
  for (const k of Object.keys(out))
    if (/^npm_/i.test(k) || k === 'PROMETHEAN_PINNED_NODE_SAID' || k === 'INIT_CWD') delete out[k];
  return out;
}
