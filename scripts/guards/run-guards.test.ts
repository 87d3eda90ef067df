import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatViolation, runGuards } from './run-guards.ts';
import { createTempRepo, type TempRepo } from './temp-repo.ts';

describe('runGuards', () => {
  let repo: TempRepo;

  beforeEach(async () => {
    repo = await createTempRepo({ 'b.ts': '', 'a.ts': '' });
  });
  afterEach(() => repo.cleanup());

  it('reports a crashing guard without hiding the others, sorted by file and line', async () => {
    const report = await runGuards(
      [
        { name: 'clean', run: () => [] },
        { name: 'crash', run: () => Promise.reject(new Error('kaboom')) },
        {
          name: 'each-file',
          run: (_root, files) =>
            files.map((file, i) => ({ guard: 'each-file', file, line: 9 - i, message: 'm' })),
        },
      ],
      repo.root,
    );
    expect(report.passed).toEqual(['clean']);
    expect(report.violations.map((v) => `${v.guard} ${v.file}`)).toEqual([
      'crash .',
      'each-file a.ts',
      'each-file b.ts',
    ]);
    expect(report.violations[0]?.message).toContain('guard crashed: Error: kaboom');
  });

  it('formats a violation with and without a line', () => {
    expect(formatViolation({ guard: 'g', file: 'x.ts', line: 3, message: 'bad' })).toBe('g: x.ts:3: bad');
    expect(formatViolation({ guard: 'g', file: 'x.ts', message: 'one\ntwo\n' })).toBe(
      'g: x.ts: one\n    two',
    );
  });
});
