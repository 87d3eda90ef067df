/**
 * `npm run bench:store-move -- --json [--documents N]`: the store move's backfill rate on the embedded
 * store, measured inside workerd (the functions-worker vitest project, real FerretDB and SQLite Durable
 * Objects) by test/workers/functions/store-move-bench.test.ts with N documents (20,000 by default). This
 * script runs that test and prints its JSON line last. Run it under the machine lock.
 */
import { parseArgs } from 'node:util';
import { runWorkerdBench } from './workerd-bench-line.ts';

const { values } = parseArgs({
  options: { documents: { type: 'string', default: '20000' }, json: { type: 'boolean', default: false } },
});
const documents = Number(values.documents);
if (!Number.isInteger(documents) || documents < 1) throw new Error(`--documents must be a positive integer`);

const { lines, status, output } = runWorkerdBench(
  [
    'test/workers/functions/store-move-bench.test.ts',
    // What the per-call routing read costs a live read or write (runs only with more than 500 documents).
    'test/workers/functions/routing-read-cost.test.ts',
  ],
  { STORE_MOVE_BENCH_DOCUMENTS: String(documents) },
  ['store-move', 'routing-read'],
);
const line = lines['store-move'];
if (!values.json) process.stderr.write(output);
if (status !== 0 || !line) {
  if (values.json) process.stderr.write(output.slice(-4000));
  console.log(JSON.stringify({ bench: 'store-move', documents, error: `vitest exited ${status}` }));
  process.exit(1);
}
const routing = lines['routing-read'];
console.log(routing ? `${line.trimEnd().slice(0, -1)},"routing_read":${routing.trimEnd()}}` : line);
