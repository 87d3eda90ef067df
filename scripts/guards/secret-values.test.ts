import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { secretValues } from './secret-values.ts';
import { createTempRepo, type TempRepo } from './temp-repo.ts';

// Built at run time so that this file never holds a token-shaped literal itself.
// The first part is base64 of the 18-digit id 123456789012345678, as in a real bot token.
const FAKE_TOKEN = ['MTIzNDU2Nzg5MDEyMzQ1Njc4', 'GaBcDe', 'x'.repeat(38)].join('.');

const BASELINE = {
  'functions/cephalon/handler.test.ts':
    "const token = ['MTIzNDU2Nzg5MDEyMzQ1Njc4', 'GaBcDe', 'x'.repeat(38)].join('.');\n",
  'providers.yml': `credentials:\n  bot: \${DUCK_BOT_TOKEN}\n`,
  'shared/jwt.ts':
    "const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abcdefghijklmnopqrstuvwxyz012';\n",
  'docs/hosts.md': 'Mabcdefghijklmnopqrstuvwxyz.example.com\n',
  'durable-objects/rest-buckets.test.ts': `const token = '${FAKE_TOKEN}';\n`,
};

describe('secret-values', () => {
  let repo: TempRepo;
  const run = async () => secretValues(repo.root, await repo.files());

  beforeEach(async () => {
    repo = await createTempRepo(BASELINE);
  });
  afterEach(() => repo.cleanup());

  it('passes tokens built at run time, JWTs, host names and the access layer', async () => {
    expect(await run()).toEqual([]);
  });

  it.each([
    ['shared/platform/provider-registry.test.ts', `\nconst token = '${FAKE_TOKEN}';\n`, 2],
    ['providers.yml', `credentials:\n  bot: ${FAKE_TOKEN}\n`, 2],
    ['docs/runbook.md', `Paste ${FAKE_TOKEN} into .dev.vars\n`, 1],
    ['.dev.vars.example', `DUCK_BOT_TOKEN=${FAKE_TOKEN}\n`, 1],
  ])('flags a token-shaped literal in %s', async (file, text, line) => {
    await repo.write({ [file]: text });
    const found = await run();
    expect(found).toEqual([expect.objectContaining({ guard: 'secret-values', file, line })]);
    expect(found[0]?.message).toMatch(/build it at run time/);
    expect(found[0]?.message).not.toContain(FAKE_TOKEN);
  });

  it('flags the 27-character id part of a 20-digit snowflake and a newer 38-character HMAC', async () => {
    const token = [Buffer.from('12345678901234567890').toString('base64url'), 'GaBcDe', 'y'.repeat(38)].join(
      '.',
    );
    await repo.write({ 'shared/x.ts': `export const t = "${token}";\n` });
    expect(await run()).toEqual([expect.objectContaining({ file: 'shared/x.ts', line: 1 })]);
  });
});
