/**
 * `npm run bench:store-move -- --json [--documents N]`: the store move's backfill rate on the embedded
 * store, measured inside workerd (the functions-worker vitest project, real FerretDB and SQLite Durable
 * Objects) by test/workers/functions/store-move-bench.test.ts with N documents (20,000 by default). This
 * script runs that test and prints its JSON line last. Run it under the machine lock.
 */
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { documents: { type: 'string', default: '20000' }, json: { type: 'boolean', default: false } },
});
const documents = Number(values.documents);
if (!Number.isInteger(documents) || documents < 1) throw new Error(`--documents must be a positive integer`);

const child = spawnSync(
  'npx',
  [
    'vitest',
    'run',
    '--project',
    'functions-worker',
    'test/workers/functions/store-move-bench.test.ts',
    // What the per-call routing read costs a live read or write (runs only with more than 500 documents).
    'test/workers/functions/routing-read-cost.test.ts',
  ],
  {
    env: { ...process.env, STORE_MOVE_BENCH_DOCUMENTS: String(documents), NO_COLOR: '1' },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  },
);
const output = `${child.stdout}\n${child.stderr}`;
// vitest prefixes a test's console lines with colour codes, so the line is found inside a line.
const ansi = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');
const line = output
  .split('\n')
  .map((l) => l.replace(ansi, ''))
  .map((l) => l.slice(Math.max(0, l.indexOf('{"bench":"store-move"'))))
  .find((l) => l.startsWith('{"bench":"store-move"'));
if (!values.json) process.stderr.write(output);
if (child.status !== 0 || !line) {
  if (values.json) process.stderr.write(output.slice(-4000));
  console.log(JSON.stringify({ bench: 'store-move', documents, error: `vitest exited ${child.status}` }));
  process.exit(1);
}
const routing = output
  .split('\n')
  .map((l) => l.replace(ansi, ''))
  .map((l) => l.slice(Math.max(0, l.indexOf('{"bench":"routing-read"'))))
  .find((l) => l.startsWith('{"bench":"routing-read"'));
console.log(routing ? `${line.trimEnd().slice(0, -1)},"routing_read":${routing.trimEnd()}}` : line);
