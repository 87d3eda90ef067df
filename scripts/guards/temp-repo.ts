/** Test support: a throwaway repo folder under the OS temp dir, written from a map of path → text. */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { listRepoFiles } from './repo-files.ts';

/** A temp repo; `files()` lists it the way `main.ts` would. */
export type TempRepo = {
  readonly root: string;
  write(files: Readonly<Record<string, string>>): Promise<void>;
  remove(path: string): Promise<void>;
  files(): Promise<string[]>;
  cleanup(): Promise<void>;
};

/** Creates a temp repo holding `files`; call `cleanup()` when done (e.g. in `afterEach`). */
export async function createTempRepo(files: Readonly<Record<string, string>> = {}): Promise<TempRepo> {
  const root = await mkdtemp(join(tmpdir(), 'guards-'));
  const repo: TempRepo = {
    root,
    async write(more) {
      for (const [path, text] of Object.entries(more)) {
        await mkdir(dirname(join(root, path)), { recursive: true });
        await writeFile(join(root, path), text);
      }
    },
    remove: (path) => rm(join(root, path), { recursive: true, force: true }),
    files: () => listRepoFiles(root),
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
  await repo.write(files);
  return repo;
}
