import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mutableTopLevel, statelessAgents } from './stateless-agents.ts';
import { createTempRepo, type TempRepo } from './temp-repo.ts';

const BASELINE = {
  'functions/greeter/agent.yml': 'id: greeter\nkind: stateless-worker\n',
  'functions/greeter/handler.ts': [
    "const WORDS: ReadonlySet<string> = new Set(['hi']);",
    'const LIMITS = Object.freeze({ max: 3 });',
    "const ORDER = ['a', 'b'] as const;",
    'export function handle(text: string) {',
    '  let count = 0;',
    '  const seen = new Map<string, number>();',
    '  for (const w of text.split(" ")) if (WORDS.has(w)) count++;',
    '  return { count, seen, LIMITS, ORDER };',
    '}',
    '',
  ].join('\n'),
  'functions/greeter/handler.test.ts': 'let calls = 0;\n',
  'durable-objects/gateway/agent.yml': 'id: gateway\nkind: provider-access\n',
  'durable-objects/gateway/state.ts': 'let sessions = new Map();\n',
};

describe('stateless-agents', () => {
  let repo: TempRepo;
  const run = async () => statelessAgents(repo.root, await repo.files());

  beforeEach(async () => {
    repo = await createTempRepo(BASELINE);
  });
  afterEach(() => repo.cleanup());

  it('passes per-invocation state, read-only module constants, tests and provider-access agents', async () => {
    expect(await run()).toEqual([]);
  });

  it.each([
    ['a module-level let', 'let lastTenant = "";'],
    ['an exported var', 'export var hits = 0;'],
    ['a module-level Map', 'const cache = new Map<string, string>();'],
    ['a module-level array', 'export const queue: string[] = [];'],
  ])('flags %s planted in a stateless agent', async (_kind, statement) => {
    await repo.write({ 'functions/greeter/memory.ts': `// helper\n${statement}\n` });
    const found = await run();
    expect(found).toEqual([
      expect.objectContaining({ guard: 'stateless-agents', file: 'functions/greeter/memory.ts', line: 2 }),
    ]);
    expect(found[0]?.message).toContain('seed 004');
  });

  it('lets a derived cache stay when the line above says why', async () => {
    await repo.write({
      'functions/greeter/plans.ts':
        '// stateless-guard: allow tables derived only from the size; losing them changes only speed\nconst plans = new Map<number, number[]>();\n',
    });
    expect(await run()).toEqual([]);
    await repo.write({
      'functions/greeter/plans.ts': '// stateless-guard: allow\nconst plans = new Map();\n',
    });
    expect(await run()).toHaveLength(1); // an allowance needs its reason
  });

  it('reads only top-level lines', () => {
    expect(mutableTopLevel('  let inner = 1;')).toBeUndefined();
    expect(mutableTopLevel('const A = 1;')).toBeUndefined();
    expect(mutableTopLevel('let a = 1;')).toContain('let a');
  });
});
