import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { providerImports, reachesProviders } from './provider-imports.ts';
import { createTempRepo, type TempRepo } from './temp-repo.ts';

const BASELINE = {
  'functions/cephalon/handler.ts': [
    "import { defineAgent } from '@promethean/shared/agent/agent-definition';",
    "import { topicFor } from '../../shared/platform/topics.ts';",
    "import { local } from './providers/local.ts';",
    '',
  ].join('\n'),
  'functions/cephalon/providers/local.ts': 'export const local = 1;\n',
  'durable-objects/discord-gateway.ts':
    "import { normalize } from '../shared/providers/discord/normalize.ts';\n",
  'shared/providers/discord/index.ts': "export * from './normalize.ts';\n",
  'functions/README.md': "import x from '../shared/providers/discord/normalize.ts'\n",
};

describe('provider-imports', () => {
  let repo: TempRepo;
  const run = async () => providerImports(repo.root, await repo.files());

  beforeEach(async () => {
    repo = await createTempRepo(BASELINE);
  });
  afterEach(() => repo.cleanup());

  it('passes provider-agnostic workers and lets the access layer use providers', async () => {
    expect(await run()).toEqual([]);
  });

  it('flags a relative import that resolves into shared/providers/', async () => {
    await repo.write({
      'functions/cephalon/reply.ts':
        "import { x } from './y.ts';\nimport { normalize } from '../../shared/providers/discord/normalize.ts';\n",
    });
    const found = await run();
    expect(found).toEqual([
      expect.objectContaining({ guard: 'provider-imports', file: 'functions/cephalon/reply.ts', line: 2 }),
    ]);
    expect(found[0]?.message).toContain('../../shared/providers/discord/normalize.ts');
  });

  it.each([
    ['a package import', "import type { Raw } from '@promethean/shared/providers/discord/raw';"],
    ['a re-export', "export * from '../../shared/providers/discord/index.ts';"],
    ['a dynamic import', "const m = await import('../../shared/providers/discord/normalize.ts');"],
    ['a bare import', "import '@promethean/shared/providers';"],
    ['a require', "const m = require('../../shared/providers/index.js');"],
  ])('flags %s', async (_kind, statement) => {
    await repo.write({ 'functions/cephalon/extra.mjs': `// extra\n${statement}\n` });
    expect(await run()).toEqual([expect.objectContaining({ file: 'functions/cephalon/extra.mjs', line: 2 })]);
  });

  it('points a multi-line import at the line of its specifier', async () => {
    await repo.write({
      'functions/index.ts':
        "import {\n  normalize,\n  toEvent,\n} from '../shared/providers/discord/normalize.ts';\n",
    });
    expect(await run()).toEqual([expect.objectContaining({ file: 'functions/index.ts', line: 4 })]);
  });

  it('resolves relative specifiers against the importing file', () => {
    expect(reachesProviders('functions/a/b.ts', '../../shared/providers/discord/x.ts')).toBe(true);
    expect(reachesProviders('functions/a/b.ts', '../shared/providers/discord/x.ts')).toBe(false);
    expect(reachesProviders('functions/a/b.ts', '../../shared/providersish/x.ts')).toBe(false);
    expect(reachesProviders('functions/a/b.ts', '@promethean/shared/providers-extra')).toBe(false);
  });
});
