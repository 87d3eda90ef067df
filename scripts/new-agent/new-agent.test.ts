/**
 * `npm run new:agent`: a generated agent of either kind passes its own test and every CI guard unchanged
 * (generated into a temp dir that borrows this repo's node_modules, its test run by a child vitest), and a
 * bad, reserved or taken name is refused before anything is written.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { GUARDS } from '../guards/guard-list.ts';
import { runGuards } from '../guards/run-guards.ts';
import { createTempRepo, type TempRepo } from '../guards/temp-repo.ts';
import { AGENT_KINDS, AgentNameError, agentFolder, writeAgent } from './agent-template.ts';

const run = promisify(execFile);
const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A temp dir shaped like the repo for one generated agent: node_modules borrowed, a vitest config of its own. */
async function tempProject(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'new-agent-'));
  await symlink(join(REPO, 'node_modules'), join(root, 'node_modules'), 'dir');
  await writeFile(
    join(root, 'vitest.config.ts'),
    `import { defineConfig } from 'vitest/config';
import { yamlText } from ${JSON.stringify(join(REPO, 'scripts/vite-yaml-text.ts'))};
export default defineConfig({ plugins: [yamlText()], test: { include: ['**/*.test.ts'], exclude: ['node_modules/**'] } });
`,
  );
  return root;
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

describe('npm run new:agent', () => {
  it.each(AGENT_KINDS)(
    'writes a %s that passes its own test and the guards unchanged',
    async (kind) => {
      const root = await tempProject();
      cleanups.push(() => rm(root, { recursive: true, force: true }));
      const name = kind === 'stateless-worker' ? 'link-counter' : 'pigeon-post';
      const written = await writeAgent(root, name, kind);
      const folder = agentFolder(name, kind);
      expect(written).toEqual(
        expect.arrayContaining([
          `${folder}/agent.yml`,
          `${folder}/handler.ts`,
          `${folder}/handler.test.ts`,
          `docs/agents/${name}.md`,
        ]),
      );
      expect((await readdir(join(root, folder, 'fixtures', 'in'))).length).toBeGreaterThan(0);
      const guards = await runGuards(GUARDS, root);
      expect(guards.violations).toEqual([]);
      expect(guards.passed).toHaveLength(GUARDS.length);
      const vitest = join(REPO, 'node_modules', 'vitest', 'vitest.mjs');
      const { stdout } = await run(
        process.execPath,
        [vitest, 'run', '--root', root, '--reporter', 'verbose'],
        {
          cwd: root,
          env: { ...process.env, UPDATE_GOLDEN: '', NO_COLOR: '1', FORCE_COLOR: '0' },
        },
      );
      expect(stdout).toMatch(/Tests\s+\d+ passed/);
      expect(stdout).not.toMatch(/failed/);
    },
    60_000,
  );

  describe('refuses a name', () => {
    let repo: TempRepo;
    afterEach(async () => repo.cleanup());

    it.each([
      ['upper case', 'LinkCounter'],
      ['underscore', 'link_counter'],
      ['leading digit', '1counter'],
      ['trailing hyphen', 'counter-'],
      ['double hyphen', 'link--counter'],
      ['too short', 'x'],
      ['a path', '../escape'],
      ['reserved', 'src'],
    ])('that is malformed or reserved (%s) and writes nothing', async (_why, name) => {
      repo = await createTempRepo();
      await expect(writeAgent(repo.root, name, 'stateless-worker')).rejects.toThrow(AgentNameError);
      expect(await repo.files()).toEqual([]);
    });

    it('taken by an agent of either Worker, and leaves the existing one alone', async () => {
      repo = await createTempRepo({ 'durable-objects/pigeon-post/agent.yml': 'id: pigeon-post\n' });
      await expect(writeAgent(repo.root, 'pigeon-post', 'stateless-worker')).rejects.toThrow(
        /durable-objects\/pigeon-post already exists/,
      );
      expect(existsSync(join(repo.root, 'functions/agents/pigeon-post'))).toBe(false);
      expect(await repo.files()).toEqual(['durable-objects/pigeon-post/agent.yml']);
    });
  });
});
