import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { realDiscordConfigured } from '../../durable-objects/dev/dev-discord.ts';

const root = join(import.meta.dirname, '..', '..');

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

/** Process ids in a process group (the dev stack runs its servers in groups of their own). */
function descendants(pid: number): number[] {
  const out = execFileSync('ps', ['-eo', 'pid=,ppid='], { encoding: 'utf8' });
  const children = new Map<number, number[]>();
  for (const line of out.trim().split('\n')) {
    const [p, pp] = line.trim().split(/\s+/).map(Number) as [number, number];
    children.set(pp, [...(children.get(pp) ?? []), p]);
  }
  const all: number[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      all.push(c);
      walk(c);
    }
  };
  walk(pid);
  return all;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('npm run dev', () => {
  // With real credentials in durable-objects/.dev.vars the stack talks to Discord itself: not in a test.
  it.skipIf(realDiscordConfigured())(
    'starts both Workers and the fake Discord, serves the echo and Discord paths, and stops cleanly',
    async () => {
      const port = await freePort();
      const stateDir = join(root, '.wrangler', `dev-stack-test-${port}`);
      const child = spawn(
        process.execPath,
        [
          join(root, 'node_modules/tsx/dist/cli.mjs'),
          'scripts/dev-stack.ts',
          '--port',
          String(port),
          '--quiet',
          '--state-dir',
          stateDir,
        ],
        {
          cwd: root,
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let output = '';
      child.stdout.on('data', (d: Buffer) => {
        output += d.toString();
      });
      child.stderr.on('data', (d: Buffer) => {
        output += d.toString();
      });
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      try {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`dev stack did not come up:\n${output}`)), 120_000);
          const check = setInterval(() => {
            if (output.includes('Press Ctrl-C to stop.')) {
              clearInterval(check);
              clearTimeout(timer);
              resolve();
            }
          }, 100);
        });
        const base = `http://127.0.0.1:${port}`;
        const health = (await (await fetch(`${base}/health`)).json()) as {
          agents: Array<{ agent: string; state: string }>;
        };
        expect(health.agents.map((a) => a.agent)).toContain('message-indexer');
        const echo = await fetch(`${base}/dev/echo/demo/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            messages: [{ author: { id: 'ada', name: 'Ada' }, content: 'hello from the dev stack test' }],
          }),
        });
        expect(echo.status).toBe(202);
        const posted = await fetch(`${base}/dev/discord/duck/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            channel_id: '700000000000000001',
            content: 'quack',
            idempotency_key: `dev-test-${port}`,
          }),
        });
        expect(((await posted.json()) as { results: Array<{ ok: boolean }> }).results[0]?.ok).toBe(true);
        expect(output).toContain('fake Discord at http://127.0.0.1:');
      } finally {
        const tree = descendants(child.pid!);
        child.kill('SIGINT');
        expect(await exited).toBe(0);
        expect(output).toContain('dev stack stopped');
        const deadline = Date.now() + 10_000;
        while (tree.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
        expect(tree.filter(alive)).toEqual([]);
        expect(existsSync(join(root, 'durable-objects', '.dev.vars'))).toBe(false);
        execFileSync('rm', ['-rf', stateDir]);
      }
    },
    180_000,
  );
});
