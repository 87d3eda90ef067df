/** The CLI entry: prints its URLs as one JSON line, serves them, and stops on SIGTERM. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

describe('test/fake-discord/main.ts', () => {
  it('prints restUrl and gatewayUrl, answers with the given token, and exits on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/fake-discord/main.ts', '--port', '0', '--token', 'cli-token'],
      { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const exited = once(child, 'exit');
    try {
      const lines = createInterface({ input: child.stdout });
      const [line] = (await once(lines, 'line')) as [string];
      const urls = JSON.parse(line) as { restUrl: string; gatewayUrl: string };
      expect(urls.restUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/v10$/);
      expect(urls.gatewayUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/gateway$/);
      const me = await fetch(`${urls.restUrl}/users/@me`, { headers: { Authorization: 'Bot cli-token' } });
      expect(me.status).toBe(200);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toEqual([0, null]);
  });
});
