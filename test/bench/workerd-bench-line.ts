/**
 * Runs benchmark test files in the functions-worker vitest project (workerd, the real stores) and answers
 * the JSON line a test printed that starts with `{"bench":"<name>"`, found inside vitest's coloured output.
 */
import { spawnSync } from 'node:child_process';

export interface WorkerdBenchRun {
  /** The line of each bench name asked for (absent when the test printed none). */
  lines: Record<string, string | undefined>;
  status: number | null;
  output: string;
}

export function runWorkerdBench(
  files: string[],
  env: Record<string, string>,
  names: string[],
): WorkerdBenchRun {
  const child = spawnSync('npx', ['vitest', 'run', '--project', 'functions-worker', ...files], {
    env: { ...process.env, ...env, NO_COLOR: '1' },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const output = `${child.stdout}\n${child.stderr}`;
  // vitest prefixes a test's console lines with colour codes, so the line is found inside a line.
  const ansi = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');
  const clean = output.split('\n').map((l) => l.replace(ansi, ''));
  const lines: Record<string, string | undefined> = {};
  for (const name of names) {
    const start = `{"bench":"${name}"`;
    lines[name] = clean.map((l) => l.slice(Math.max(0, l.indexOf(start)))).find((l) => l.startsWith(start));
  }
  return { lines, status: child.status, output };
}
