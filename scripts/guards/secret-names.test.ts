import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { secretNames } from './secret-names.ts';
import { createTempRepo, type TempRepo } from './temp-repo.ts';

// Places that may legitimately name token variables, plus ordinary code that names none.
const BASELINE = {
  'shared/agent/policy.ts': 'export const TOKEN_TTL_S = 900;\nconst botToken = undefined;\n',
  'docs/setup.md': 'Set `DUCK_BOT_TOKEN` in `.dev.vars`.\n',
  'durable-objects/discord-gateway.ts': 'export const read = (env: Env) => env.DUCK_BOT_TOKEN;\n',
  'durable-objects/.dev.vars.example': 'DUCK_BOT_TOKEN=\nDISCORD_CLIENT_SECRET=\n',
  'voice-host/src/main.ts': 'const token = process.env.DISCORD_TOKEN;\n',
  'providers.yml': `credentials:\n  bot: \${DUCK_BOT_TOKEN}\n`,
  'shared/platform/secret-accessor.ts': `// resolves \${DUCK_BOT_TOKEN} references\n`,
  'scripts/guards/fixture.ts': "export const NAME = 'DISCORD_TOKEN';\n",
};

describe('secret-names', () => {
  let repo: TempRepo;
  const run = async () => secretNames(repo.root, await repo.files());

  beforeEach(async () => {
    repo = await createTempRepo(BASELINE);
  });
  afterEach(() => repo.cleanup());

  it('passes the access layer, providers.yml, the guards and markdown docs', async () => {
    expect(await run()).toEqual([]);
  });

  it('flags a token name in a worker, with its file and line', async () => {
    await repo.write({
      'functions/cephalon/handler.ts': "import x from './x.ts';\n\nconst t = env.DUCK_BOT_TOKEN;\n",
    });
    expect(await run()).toEqual([
      expect.objectContaining({ guard: 'secret-names', file: 'functions/cephalon/handler.ts', line: 3 }),
    ]);
  });

  it.each([
    ['DISCORD_TOKEN', 'shared/config.ts'],
    ['DISCORD_CLIENT_SECRET', 'wrangler.toml'],
    ['REDDIT_REFRESH_TOKEN', 'test/harness/providers.yml'],
    ['BOT_TOKEN_V2', 'schemas/env.json'],
  ])('flags %s in %s', async (name, file) => {
    await repo.write({ [file]: `value = "${name}"\n` });
    const found = await run();
    expect(found).toEqual([expect.objectContaining({ file, line: 1 })]);
    expect(found[0]?.message).toContain(name);
  });

  it('flags a .dev.vars.example outside durable-objects/', async () => {
    await repo.write({ '.dev.vars.example': '# access Worker\nDUCK_BOT_TOKEN=\n' });
    expect(await run()).toEqual([expect.objectContaining({ file: '.dev.vars.example', line: 2 })]);
  });

  it('reports every name on a line', async () => {
    await repo.write({
      'shared/env.ts': 'type E = { DISCORD_TOKEN: string; DISCORD_CLIENT_SECRET: string };\n',
    });
    expect((await run()).map((v) => v.message.split(' ')[0])).toEqual([
      'DISCORD_TOKEN',
      'DISCORD_CLIENT_SECRET',
    ]);
  });
});
