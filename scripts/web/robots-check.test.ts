import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkRobots } from './robots-check.ts';

const ROBOTS = 'user-agent: *\ndisallow: /private/\nallow: /private/ok$\n';

describe('robots CLI contract', () => {
  it('answers one line, 0 when allowed and 1 when disallowed', () => {
    expect(checkRobots(ROBOTS, 'PrometheanBot', 'https://a.test/private/x')).toEqual({
      line: 'disallowed https://a.test/private/x (group *, disallow: /private/)',
      code: 1,
    });
    expect(checkRobots(ROBOTS, 'PrometheanBot', 'https://a.test/private/ok').code).toBe(0);
    expect(checkRobots(ROBOTS, 'PrometheanBot', 'https://a.test/').line).toBe(
      'allowed https://a.test/ (group *, no rule)',
    );
    expect(checkRobots(ROBOTS, 'x', 'not a url').code).toBe(2);
  });

  const dir = mkdtempSync(join(tmpdir(), 'robots-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs as a process with the fixed exit codes', () => {
    const file = join(dir, 'robots.txt');
    writeFileSync(file, ROBOTS);
    const run = (url: string) => {
      try {
        return {
          out: execFileSync(
            process.execPath,
            ['--import', 'tsx', 'scripts/robots.ts', file, 'PrometheanBot', url],
            { encoding: 'utf8' },
          ),
          code: 0,
        };
      } catch (e) {
        const err = e as { stdout: string; status: number };
        return { out: err.stdout, code: err.status };
      }
    };
    const blocked = run('https://a.test/private/secret');
    expect(blocked.code).toBe(1);
    expect(blocked.out.trim().split('\n')).toHaveLength(1);
    expect(run('https://a.test/public').code).toBe(0);
  });
});
