/** `npm run lint:guards`: runs every CI guard on the repo and exits 1 when any finds a violation. */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { GUARDS } from './guard-list.ts';
import { formatViolation, runGuards } from './run-guards.ts';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

function rootFromArgs(): string {
  const { values } = parseArgs({ options: { root: { type: 'string' } } });
  return resolve(values.root ?? REPO_ROOT);
}

async function main(): Promise<number> {
  const { violations, passed } = await runGuards(GUARDS, rootFromArgs());
  if (violations.length === 0) {
    console.log(`lint:guards: ${GUARDS.length} guards passed`);
    return 0;
  }
  for (const v of violations) console.error(formatViolation(v));
  const failed = GUARDS.length - passed.length;
  console.error(
    `lint:guards: ${violations.length} violation(s) from ${failed} of ${GUARDS.length} guards; ${passed.length} passed`,
  );
  return 1;
}

process.exitCode = await main();
