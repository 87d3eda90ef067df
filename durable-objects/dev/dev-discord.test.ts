import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { removeFakeDevVars, removeStaleFakeDevVars, writeFakeDevVars } from './dev-discord.ts';

const dirs: string[] = [];
function devVarsPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dev-vars-'));
  dirs.push(dir);
  return join(dir, '.dev.vars');
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A pid that surely belongs to no running process: one that just exited. */
function exitedPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  });
  return Number(child.stdout);
}

describe('the generated durable-objects/.dev.vars', () => {
  it('names its writer, and is kept while the writer runs', () => {
    const path = devVarsPath();
    writeFakeDevVars('http://127.0.0.1:1', { GATEWAY_PUBLISH: 'full' }, path);
    expect(readFileSync(path, 'utf8').split('\n')[1]).toBe(`# writer pid ${process.pid}`);
    expect(removeStaleFakeDevVars(path)).toBe(false);
    expect(existsSync(path)).toBe(true);
    removeFakeDevVars(path);
    expect(existsSync(path)).toBe(false);
  });

  it('is removed once its writer is gone (a run killed outright), as is one without a writer line', () => {
    const path = devVarsPath();
    writeFakeDevVars('http://127.0.0.1:1', { GATEWAY_PUBLISH: 'full' }, path);
    const lines = readFileSync(path, 'utf8').split('\n');
    lines[1] = `# writer pid ${exitedPid()}`;
    writeFileSync(path, lines.join('\n'));
    expect(removeStaleFakeDevVars(path)).toBe(true);
    expect(existsSync(path)).toBe(false);

    writeFakeDevVars('http://127.0.0.1:1', {}, path);
    writeFileSync(path, readFileSync(path, 'utf8').replace(/^# writer pid \d+\n/m, ''));
    expect(removeStaleFakeDevVars(path)).toBe(true);
  });

  it("never touches the user's own file", () => {
    const path = devVarsPath();
    writeFileSync(path, 'DUCK_DISCORD_BOT_TOKEN=mine\n');
    expect(removeStaleFakeDevVars(path)).toBe(false);
    expect(readFileSync(path, 'utf8')).toBe('DUCK_DISCORD_BOT_TOKEN=mine\n');
  });
});
