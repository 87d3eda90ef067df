/** Guard: schemas/json/ out of step with the zod schemas, as judged by `scripts/schemas-json.ts --check`. */
import { execFile } from 'node:child_process';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import type { Violation } from './violation.ts';

const GUARD = 'stale-json-schema';
const SCRIPT = 'scripts/schemas-json.ts';
const OUT_DIR = 'schemas/json/';
const TSX_CLI = 'node_modules/tsx/dist/cli.mjs';
const TIMEOUT_MS = 120_000;

// The script's `--check` report: one problem per indented line, each starting with a file under schemas/json/.
const PROBLEM = /^\s+(\S+) (is missing|is stale|has no schema any more)$/;

type Outcome = { readonly code: number; readonly stderr: string };

// The generator is the root's own script run with the root's own tsx, so a copy of the repo is checked
// against its own schemas, never against the checkout these guards came from.
function runCheck(root: string): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(root, TSX_CLI), SCRIPT, '--check'],
      { cwd: root, timeout: TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 },
      (error, _stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolve({ code, stderr: stderr || (error?.message ?? '') });
      },
    );
  });
}

/** Turns the script's report into one violation per file, or one for the whole output when it is not a report. */
export function parseCheckOutput(stderr: string): Violation[] {
  const problems = stderr
    .split('\n')
    .map((l) => PROBLEM.exec(l))
    .filter((m) => m !== null)
    .map((m) => ({ guard: GUARD, file: `${OUT_DIR}${m[1]}`, message: `${m[2]}; run npm run schemas:json` }));
  if (problems.length > 0) return problems;
  return [{ guard: GUARD, file: SCRIPT, message: `--check failed: ${stderr.trim() || '(no output)'}` }];
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** Runs the generator's `--check` in `root`; a repo with neither generator nor schemas/json/ has nothing to check. */
export async function staleJsonSchema(root: string, files: readonly string[]): Promise<Violation[]> {
  if (!files.includes(SCRIPT)) {
    if (!files.some((f) => f.startsWith(OUT_DIR))) return [];
    return [
      { guard: GUARD, file: OUT_DIR, message: `${SCRIPT} is missing, so schemas/json/ cannot be checked` },
    ];
  }
  if (!(await exists(join(root, TSX_CLI)))) {
    return [
      { guard: GUARD, file: SCRIPT, message: `${TSX_CLI} is missing; run npm ci so the check can run` },
    ];
  }
  const { code, stderr } = await runCheck(root);
  return code === 0 ? [] : parseCheckOutput(stderr);
}
