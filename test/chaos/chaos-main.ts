/**
 * `npm run test:chaos -- [--json] [--seed N] [--messages N] [--backfill N] [--waves N] [--time-limit-s N]`:
 * one chaos run (see docs/operations.md, "Chaos suite"). Progress goes to stderr; the summary to stdout,
 * with `--json` ending in one JSON line. Exits 0 only when the run finished with nothing lost, duplicated,
 * dead-lettered or unexpected.
 */
import { parseArgs } from 'node:util';
import type { ChaosOptions } from './chaos-run.ts';
import { registerYamlText } from './yaml-text-hooks.ts';

// The agents import their agent.yml: the hook must be in place before they load.
registerYamlText();
const { DEFAULT_CHAOS_OPTIONS, runChaos } = await import('./chaos-run.ts');
const { reportLines } = await import('./chaos-report.ts');

function positiveInteger(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`--${name} must be a whole number >= 0, got "${value}"`);
    process.exit(2);
  }
  return n;
}

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    seed: { type: 'string' },
    messages: { type: 'string' },
    backfill: { type: 'string' },
    waves: { type: 'string' },
    'time-limit-s': { type: 'string' },
    quiet: { type: 'boolean', default: false },
  },
});

const d = DEFAULT_CHAOS_OPTIONS;
const options: ChaosOptions = {
  ...d,
  seed: positiveInteger('seed', values.seed, d.seed),
  messages: positiveInteger('messages', values.messages, d.messages),
  backfill: positiveInteger('backfill', values.backfill, d.backfill),
  waves: Math.max(1, positiveInteger('waves', values.waves, d.waves)),
  timeLimitMs: positiveInteger('time-limit-s', values['time-limit-s'], d.timeLimitMs / 1000) * 1000,
  log: values.quiet ? () => undefined : (line) => console.error(line),
};

const report = await runChaos(options);
for (const line of reportLines(report)) console.log(line);
if (values.json) console.log(JSON.stringify(report));
const clean =
  report.completed &&
  report.lost === 0 &&
  report.duplicated === 0 &&
  report.dead_lettered === 0 &&
  report.unexpected === 0;
process.exit(clean ? 0 : 1);
