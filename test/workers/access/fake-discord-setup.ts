/** Starts the fake Discord (a Node child process) for the access Worker's workerd tests, on the port the config chose. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    fakeDiscord: { baseUrl: string; restUrl: string; gatewayUrl: string };
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const port = Number(process.env.PROMETHEAN_FAKE_DISCORD_PORT);
  if (!Number.isInteger(port) || port <= 0)
    throw new Error('PROMETHEAN_FAKE_DISCORD_PORT was not chosen by the config');
  const root = join(import.meta.dirname, '..', '..', '..');
  const child = spawn(
    process.execPath,
    [
      join(root, 'node_modules/tsx/dist/cli.mjs'),
      join(import.meta.dirname, 'fake-discord-entry.ts'),
      String(port),
    ],
    {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const first = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`fake Discord exited (${code}) before listening`)));
  });
  project.provide(
    'fakeDiscord',
    JSON.parse(first) as { baseUrl: string; restUrl: string; gatewayUrl: string },
  );
  return async () => {
    child.kill('SIGTERM');
    await exited;
  };
}
