/** The files a guard looks at: what git tracks plus untracked files git does not ignore. */
import { execFile } from 'node:child_process';
import { lstat, readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Folders never walked when the root is not a git work tree (they hold tools, caches and installs). */
export const SKIPPED_DIRS: ReadonlySet<string> = new Set([
  'node_modules',
  '.git',
  '.tools',
  '.wrangler',
  '.cache',
]);

async function gitFiles(root: string): Promise<string[] | undefined> {
  try {
    const { stdout } = await run('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], {
      cwd: root,
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout.split('\0').filter((f) => f.length > 0);
  } catch {
    return undefined;
  }
}

async function walk(root: string, dir: string, out: string[]): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name)) await walk(root, path, out);
    } else if (entry.isFile()) {
      out.push(relative(root, path).split(sep).join('/'));
    }
  }
}

// `--cached` still lists a tracked file someone has just deleted, and a submodule shows up as a folder.
async function isFile(root: string, file: string): Promise<boolean> {
  const stat = await lstat(join(root, file)).catch(() => undefined);
  return stat?.isFile() ?? false;
}

/**
 * Repo-relative paths (with `/`) of every file under `root`, sorted. Uses `git ls-files` when `root`
 * is in a git work tree; otherwise walks the folder, skipping {@link SKIPPED_DIRS}.
 */
export async function listRepoFiles(root: string): Promise<string[]> {
  const listed = await gitFiles(root);
  if (listed === undefined) {
    const walked: string[] = [];
    await walk(root, root, walked);
    return walked.sort();
  }
  const present = await Promise.all(listed.map(async (f) => ((await isFile(root, f)) ? f : undefined)));
  return present.filter((f) => f !== undefined).sort();
}
