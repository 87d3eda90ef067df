/**
 * The dev stack's fake Discord runs in a process group of its own, which a terminal's Ctrl-C does not
 * reach; when the dev stack dies without stopping it (SIGKILL runs no stop code) it must still exit.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pollUntil } from '../../scripts/dev/demo-client.ts';
import { alive, descendants, portFree } from '../dev-stack/process-tree.ts';

const root = join(import.meta.dirname, '..', '..');

describe('the fake Discord under npm run dev', () => {
  it('exits when the dev stack is killed outright', async () => {
    // node --import tsx: one process owning the fake (under the tsx CLI, SIGKILL would hit only its relay).
    const parent = spawn(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'lifeline-parent.ts')],
      {
        cwd: root,
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    parent.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const started = await pollUntil(
      async () => {
        const line = out.split('\n').find((l) => l.startsWith('{'));
        return line ? (JSON.parse(line) as { pid: number; baseUrl: string }) : undefined;
      },
      30_000,
      () => `the fake Discord did not start: ${out}`,
      50,
    );
    const port = Number(new URL(started.baseUrl).port);
    expect(await portFree(port)).toBe(false);
    // Its tsx parent and the fake itself, in their own process group.
    const fakeTree = [started.pid, ...descendants(started.pid)];
    expect(fakeTree.length).toBeGreaterThanOrEqual(2);

    parent.kill('SIGKILL');
    try {
      await pollUntil(
        async () => (fakeTree.some(alive) ? undefined : true),
        10_000,
        () => `still running after the dev stack was killed: ${fakeTree.filter(alive).join(', ')}`,
        100,
      );
    } finally {
      for (const pid of fakeTree.filter(alive)) process.kill(pid, 'SIGKILL');
    }
    expect(await portFree(port)).toBe(true);
  }, 45_000);
});
