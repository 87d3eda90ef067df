import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isPinned, pinnedVersions } from './pinned-versions.ts';
import { createTempRepo, type TempRepo } from './temp-repo.ts';

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

const ROOT_PACKAGE = {
  name: 'fixture',
  engines: { node: '>=22.12' },
  dependencies: { zod: '4.6.7', local: 'file:./local', alias: 'npm:hono@4.13.19' },
  devDependencies: { vitest: '4.1.12', next: '1.0.0-rc.1', built: '1.0.0+build.5' },
  overrides: { vitest: '$vitest', foo: { '.': '1.0.0', bar: '2.0.0' } },
};

describe('pinned-versions', () => {
  let repo: TempRepo;
  const run = async () => pinnedVersions(repo.root, await repo.files());

  beforeEach(async () => {
    repo = await createTempRepo({
      'package.json': json(ROOT_PACKAGE),
      'shared/package.json': json({ name: '@x/shared', dependencies: { sibling: 'workspace:*' } }),
    });
  });
  afterEach(() => repo.cleanup());

  it('passes exact versions, local paths, aliases and override references; engines are not dependencies', async () => {
    expect(await run()).toEqual([]);
  });

  it.each([
    '^1.2.3',
    '~1.2.3',
    '*',
    'latest',
    '1.x',
    '1.2',
    '>=1.0.0',
    '<2.0.0',
    '1.0.0 || 2.0.0',
    '1.0.0 - 2.0.0',
    'git+https://github.com/a/b.git',
    'https://example.com/b.tgz',
    'github:a/b',
    'npm:hono@^4.0.0',
    '',
  ])('flags %j with its package.json, dependency name and line', async (spec) => {
    await repo.write({
      'functions/package.json': json({ name: 'f', dependencies: { zod: '4.6.7', hono: spec } }),
    });
    const found = await run();
    expect(found).toEqual([
      expect.objectContaining({ guard: 'pinned-versions', file: 'functions/package.json', line: 5 }),
    ]);
    expect(found[0]?.message).toContain('dependencies.hono');
  });

  it('checks every dependency field, nested overrides included', async () => {
    await repo.write({
      'package.json': json({
        ...ROOT_PACKAGE,
        optionalDependencies: { a: '^1.0.0' },
        peerDependencies: { b: '>=2' },
        overrides: { foo: { bar: '~2.0.0' } },
      }),
    });
    expect((await run()).map((v) => v.message.split(' ')[0])).toEqual([
      'optionalDependencies.a',
      'peerDependencies.b',
      'overrides.foo.bar',
    ]);
  });

  it('ignores package.json files inside node_modules', async () => {
    const files = ['package.json', 'node_modules/dep/package.json'];
    await repo.write({ 'node_modules/dep/package.json': json({ dependencies: { x: '^1.0.0' } }) });
    expect(await pinnedVersions(repo.root, files)).toEqual([]);
  });

  it('reports a package.json that is not JSON', async () => {
    await repo.write({ 'test/package.json': '{ "name": ' });
    expect(await run()).toEqual([
      {
        guard: 'pinned-versions',
        file: 'test/package.json',
        message: expect.stringContaining('cannot be read as JSON'),
      },
    ]);
  });

  it('treats non-string versions as unpinned', () => {
    expect(isPinned(1)).toBe(false);
    expect(isPinned(undefined)).toBe(false);
  });
});
