/**
 * Guard (seed 004): a stateless agent keeps no state between invocations, so no module-level mutable
 * state in the code of an agent whose agent.yml says `kind: stateless-worker`. An isolate serves many
 * invocations, tenants and redeliveries in turn; a module-level `let` or collection carries one into the
 * next, which is invisible in golden tests and differs between isolates. State goes through the bus,
 * the stores or Durable Objects. Module-level bindings must be `const` and, for collections, typed
 * read-only (`ReadonlySet`, `ReadonlyMap`, `ReadonlyArray`, `readonly T[]`, `as const`, `Object.freeze`).
 * A derived cache that cannot change any answer may stay with `// stateless-guard: allow <why>` on the
 * line above it.
 */
import { posix } from 'node:path';
import { readTextFile } from './source-text.ts';
import type { Violation } from './violation.ts';

const GUARD = 'stateless-agents';
const ALLOW = /\/\/\s*stateless-guard:\s*allow\s+\S/;
const READ_ONLY = /:\s*(Readonly(Set|Map|Array)<|readonly\s)|\bas\s+const\b|Object\.freeze\(/;

/** What is wrong with one top-level line, or undefined when it declares no mutable state. */
export function mutableTopLevel(line: string): string | undefined {
  const binding = /^(?:export\s+)?(let|var)\s+([A-Za-z_$][\w$]*)/.exec(line);
  if (binding) return `module-level \`${binding[1]} ${binding[2]}\``;
  const collection =
    /^(?:export\s+)?const\s+([A-Za-z_$][\w$]*)\s*(?::[^=]+)?=\s*(new\s+(?:Map|Set|WeakMap|WeakSet|Array)\b|\[)/.exec(
      line,
    );
  if (collection && !READ_ONLY.test(line))
    return `module-level mutable collection \`${collection[1]}\` (type it read-only, or keep it per invocation)`;
  return undefined;
}

async function statelessFolders(root: string, files: readonly string[]): Promise<string[]> {
  const folders: string[] = [];
  for (const manifest of files.filter((f) => f.endsWith('/agent.yml'))) {
    const text = await readTextFile(root, manifest);
    if (text && /^kind:\s*stateless-worker\s*$/m.test(text)) folders.push(posix.dirname(manifest));
  }
  return folders;
}

/** Flags module-level mutable state in the non-test TypeScript of every stateless agent's folder. */
export async function statelessAgents(root: string, files: readonly string[]): Promise<Violation[]> {
  const folders = await statelessFolders(root, files);
  const targets = files.filter(
    (f) =>
      /\.(ts|mts|js|mjs)$/.test(f) &&
      !/\.test\.|\.golden\./.test(f) &&
      folders.some((d) => f.startsWith(`${d}/`)),
  );
  const violations: Violation[] = [];
  for (const file of targets) {
    const lines = (await readTextFile(root, file))?.split('\n') ?? [];
    lines.forEach((line, i) => {
      const problem = mutableTopLevel(line);
      if (problem && !ALLOW.test(lines[i - 1] ?? ''))
        violations.push({
          guard: GUARD,
          file,
          line: i + 1,
          message: `${problem}: a stateless agent keeps nothing between invocations (seed 004)`,
        });
    });
  }
  return violations;
}
