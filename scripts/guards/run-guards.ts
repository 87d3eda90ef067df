/** Runs guards over a repo and renders their violations as `guard: path:line: message` lines. */
import type { NamedGuard } from './guard-list.ts';
import { listRepoFiles } from './repo-files.ts';
import type { Violation } from './violation.ts';

/** What one run found: every violation, and which guards reported none. */
export type GuardReport = { readonly violations: readonly Violation[]; readonly passed: readonly string[] };

// A guard that crashes must not hide the others' findings, nor pass silently.
async function runOne(guard: NamedGuard, root: string, files: readonly string[]): Promise<Violation[]> {
  try {
    return await guard.run(root, files);
  } catch (e) {
    const reason = e instanceof Error ? (e.stack ?? e.message) : String(e);
    return [{ guard: guard.name, file: '.', message: `guard crashed: ${reason}` }];
  }
}

function byPlace(a: Violation, b: Violation): number {
  return a.file.localeCompare(b.file) || (a.line ?? 0) - (b.line ?? 0);
}

/** Runs every guard concurrently against `root`; violations come grouped by guard, then by file and line. */
export async function runGuards(guards: readonly NamedGuard[], root: string): Promise<GuardReport> {
  const files = await listRepoFiles(root);
  const results = await Promise.all(guards.map((g) => runOne(g, root, files)));
  return {
    violations: results.flatMap((found) => [...found].sort(byPlace)),
    passed: guards.filter((_, i) => results[i]?.length === 0).map((g) => g.name),
  };
}

/** One violation as a single line (continuation lines of a long message are indented beneath it). */
export function formatViolation(v: Violation): string {
  const place = v.line === undefined ? v.file : `${v.file}:${v.line}`;
  return `${v.guard}: ${place}: ${v.message.trim().replaceAll('\n', '\n    ')}`;
}
