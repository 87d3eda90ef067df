import { execFile } from 'node:child_process';
import { cp, readFile, symlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseCheckOutput, staleJsonSchema } from './stale-json-schema.ts';
import { createTempRepo, type TempRepo } from './temp-repo.ts';

const REPO = resolve(import.meta.dirname, '..', '..');
const run = promisify(execFile);

// A copy of this repo's real schemas and generator, sharing its installed packages, so that the guard
// runs the real `--check` against files a test may break without touching the working tree.
async function copySchemaRepo(repo: TempRepo): Promise<void> {
  const skipNodeModules = (src: string) => !src.split(/[\\/]/).includes('node_modules');
  await cp(join(REPO, 'schemas'), join(repo.root, 'schemas'), { recursive: true, filter: skipNodeModules });
  await cp(join(REPO, 'scripts/schemas-json.ts'), join(repo.root, 'scripts/schemas-json.ts'));
  await writeFile(join(repo.root, 'package.json'), '{ "type": "module" }\n');
  await symlink(join(REPO, 'node_modules'), join(repo.root, 'node_modules'), 'dir');
  // Regenerate in the copy: the baseline is fresh whatever state the working tree's schemas/json is in.
  await run(process.execPath, [join(REPO, 'node_modules/tsx/dist/cli.mjs'), 'scripts/schemas-json.ts'], {
    cwd: repo.root,
  });
}

describe('stale-json-schema', () => {
  let repo: TempRepo;
  const check = async () => staleJsonSchema(repo.root, await repo.files());

  beforeEach(async () => {
    repo = await createTempRepo();
    await copySchemaRepo(repo);
  });
  afterEach(() => repo.cleanup());

  it('passes freshly generated JSON Schema', async () => {
    expect(await check()).toEqual([]);
  });

  it('flags a stale file by name', async () => {
    const path = join(repo.root, 'schemas/json/envelope.json');
    await writeFile(path, (await readFile(path, 'utf8')).replace('"Envelope"', '"Envelope (hand-edited)"'));
    expect(await check()).toEqual([
      {
        guard: 'stale-json-schema',
        file: 'schemas/json/envelope.json',
        message: 'is stale; run npm run schemas:json',
      },
    ]);
  });

  it('flags a missing file and a file with no schema behind it', async () => {
    await repo.remove('schemas/json/payloads/health.json');
    await repo.write({ 'schemas/json/payloads/retired.json': '{}\n' });
    expect((await check()).map((v) => `${v.file} ${v.message}`)).toEqual([
      'schemas/json/payloads/health.json is missing; run npm run schemas:json',
      'schemas/json/payloads/retired.json has no schema any more; run npm run schemas:json',
    ]);
  });

  it('reports a generator that crashes with its output', async () => {
    await repo.write({
      'schemas/json-schema-files.ts':
        "export function jsonSchemaFiles() {\n  throw new Error('broken schema module');\n}\n",
    });
    const found = await check();
    expect(found).toEqual([expect.objectContaining({ file: 'scripts/schemas-json.ts' })]);
    expect(found[0]?.message).toContain('broken schema module');
  });
});

describe('stale-json-schema without a generator', () => {
  it('has nothing to check in a repo with neither the script nor schemas/json/', async () => {
    expect(await staleJsonSchema('/nonexistent', ['shared/a.ts'])).toEqual([]);
  });

  it('flags generated JSON Schema that nothing can check', async () => {
    expect(await staleJsonSchema('/nonexistent', ['schemas/json/envelope.json'])).toEqual([
      expect.objectContaining({ file: 'schemas/json/', message: expect.stringContaining('is missing') }),
    ]);
  });

  it('keeps unrecognised --check output whole', () => {
    expect(parseCheckOutput('Error: boom\n    at x')).toEqual([
      expect.objectContaining({
        file: 'scripts/schemas-json.ts',
        message: '--check failed: Error: boom\n    at x',
      }),
    ]);
  });
});
