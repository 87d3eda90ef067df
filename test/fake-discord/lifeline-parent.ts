/**
 * Test fixture: starts the dev stack's fake Discord the way `npm run dev` does (a ManagedProcess in its
 * own process group, exitWithParent) and prints `{"pid", ...urls}` once it listens, then idles until killed.
 */
import { join } from 'node:path';
import { ManagedProcess } from '../../scripts/dev/managed-process.ts';

const root = join(import.meta.dirname, '..', '..');
const fake = new ManagedProcess({
  name: 'fake-discord',
  command: process.execPath,
  args: [
    join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
    join(root, 'test', 'fake-discord', 'dev-entry.ts'),
    '0',
  ],
  cwd: root,
  exitWithParent: process.argv[2] !== '--no-lifeline',
});
const poll = setInterval(() => {
  const line = fake.output.split('\n').find((l) => l.startsWith('{'));
  if (!line) return;
  clearInterval(poll);
  console.log(JSON.stringify({ pid: fake.pid, ...JSON.parse(line) }));
}, 50);
setInterval(() => {}, 60_000);
