import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTempRepo, type TempRepo } from './temp-repo.ts';

const run = promisify(execFile);

const TREE = {
  'shared/a.ts': '',
  'ignored.log': '',
  '.gitignore': '*.log\n',
  'node_modules/dep/index.js': '',
  '.tools/node/bin': '',
  '.wrangler/state': '',
  '.cache/x': '',
};

describe('listRepoFiles', () => {
  let repo: TempRepo;

  beforeEach(async () => {
    repo = await createTempRepo(TREE);
  });
  afterEach(() => repo.cleanup());

  it('walks a folder that is not a git repo, skipping installs, tools and caches', async () => {
    expect(await repo.files()).toEqual(['.gitignore', 'ignored.log', 'shared/a.ts']);
  });

  it('asks git in a work tree: untracked files count, ignored ones do not', async () => {
    await run('git', ['init', '--quiet'], { cwd: repo.root });
    await repo.write({ '.gitignore': '*.log\nnode_modules/\n.tools/\n.wrangler/\n.cache/\n' });
    expect(await repo.files()).toEqual(['.gitignore', 'shared/a.ts']);
  });
});
