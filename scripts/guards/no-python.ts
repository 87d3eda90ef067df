/** Guard: Python source in a TypeScript-only repo. */
import type { Violation } from './violation.ts';

const PYTHON = /\.py[iw]?$/i;

/** Flags every `.py`, `.pyw` or `.pyi` file. */
export function noPython(_root: string, files: readonly string[]): Violation[] {
  return files
    .filter((f) => PYTHON.test(f))
    .map((file) => ({
      guard: 'no-python',
      file,
      message: 'Python file in a TypeScript-only repo; port it to TypeScript',
    }));
}
