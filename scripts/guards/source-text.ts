/** Reading repo files as text and locating matches in them by line. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

// Larger files are generated or vendored data, not source anyone edits by hand.
const MAX_TEXT_BYTES = 5 * 1024 * 1024;

/** The file's text, or undefined when it is binary (has a NUL byte), too large, or gone. */
export async function readTextFile(root: string, file: string): Promise<string | undefined> {
  const bytes = await readFile(join(root, file)).catch(() => undefined);
  if (bytes === undefined || bytes.length > MAX_TEXT_BYTES || bytes.includes(0)) return undefined;
  return bytes.toString('utf8');
}

/** The 1-based line number of a character offset in `text`. */
export function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/** Every match of a global regex, with its 1-based line. */
export function matchesWithLines(text: string, pattern: RegExp): { match: RegExpExecArray; line: number }[] {
  if (!pattern.global) throw new Error(`matchesWithLines needs a global regex, got ${pattern}`);
  return [...text.matchAll(pattern)].map((match) => ({ match, line: lineAt(text, match.index) }));
}
