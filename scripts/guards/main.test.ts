import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GUARDS } from './guard-list.ts';
import { createTempRepo, type TempRepo } from './temp-repo.ts';

const REPO = resolve(import.meta.dirname, '..', '..');
const TSX_CLI = resolve(REPO, 'node_modules/tsx/dist/cli.mjs');
const MAIN = resolve(import.meta.dirname, 'main.ts');

type Result = { code: number; stdout: string; stderr: string };

function lintGuards(root: string): Promise<Result> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [TSX_CLI, MAIN, '--root', root],
      { timeout: 60_000 },
      (error, stdout, stderr) => {
        done({ code: typeof error?.code === 'number' ? error.code : error ? -1 : 0, stdout, stderr });
      },
    );
  });
}

describe('lint:guards', () => {
  let repo: TempRepo;

  beforeEach(async () => {
    repo = await createTempRepo({
      'package.json': '{ "name": "fixture", "dependencies": { "zod": "4.6.7" } }\n',
      'shared/config.ts': 'export const config = {};\n',
    });
  });
  afterEach(() => repo.cleanup());

  it('exits 0 and says so on a clean repo', async () => {
    const result = await lintGuards(repo.root);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout.trim()).toBe(`lint:guards: ${GUARDS.length} guards passed`);
  });

  it('exits 1 and prints one line per violation', async () => {
    await repo.write({
      'shared/config.ts': 'export const config = {};\nexport const key = env.DISCORD_TOKEN;\n',
      'tools/convert.py': 'print(1)\n',
    });
    const result = await lintGuards(repo.root);
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toContain(
      'no-python: tools/convert.py: Python file in a TypeScript-only repo; port it to TypeScript',
    );
    expect(
      lines.some((l) =>
        l.startsWith('secret-names: shared/config.ts:2: DISCORD_TOKEN names a provider credential'),
      ),
    ).toBe(true);
    expect(lines.at(-1)).toBe(
      `lint:guards: 2 violation(s) from 2 of ${GUARDS.length} guards; ${GUARDS.length - 2} passed`,
    );
  });
});
