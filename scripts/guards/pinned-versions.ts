/** Guard: a floating dependency version (range, tag, URL or empty) in any package.json. */
import { posix } from 'node:path';
import { lineAt, readTextFile } from './source-text.ts';
import type { Violation } from './violation.ts';

const GUARD = 'pinned-versions';
const DEPENDENCY_FIELDS = [
  'dependencies',
  'devDependencies',
  'optionalDependencies',
  'peerDependencies',
] as const;
const EXACT = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

/**
 * Whether a version spec pins one exact release: `1.2.3` (prerelease and build allowed), a local
 * `file:`/`workspace:` path, an `npm:name@1.2.3` alias, or (in overrides) a `$name` reference to a
 * direct dependency, which this guard checks in its own right.
 */
export function isPinned(spec: unknown): boolean {
  if (typeof spec !== 'string') return false;
  if (spec.startsWith('file:') || spec.startsWith('workspace:')) return true;
  if (spec.startsWith('npm:')) return EXACT.test(spec.slice(spec.lastIndexOf('@') + 1));
  return EXACT.test(spec);
}

type Entry = { readonly path: string; readonly name: string; readonly spec: unknown };

// Overrides nest (`{ "foo": { ".": "1.0.0", "bar": "2.0.0" } }`); every leaf is a version spec.
function overrideEntries(value: unknown, path: string): Entry[] {
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([name, spec]): Entry[] => {
    if (typeof spec === 'object' && spec !== null) return overrideEntries(spec, `${path}.${name}`);
    if (typeof spec === 'string' && spec.startsWith('$')) return [];
    return [{ path, name, spec }];
  });
}

function entries(pkg: Record<string, unknown>): Entry[] {
  const direct = DEPENDENCY_FIELDS.flatMap((field) => {
    const deps = pkg[field];
    if (typeof deps !== 'object' || deps === null) return [];
    return Object.entries(deps).map(([name, spec]) => ({ path: field, name, spec }));
  });
  return [...direct, ...overrideEntries(pkg.overrides, 'overrides')];
}

// Best effort: the line of `"name": "spec"`, so an editor can jump to it.
function lineOf(text: string, name: string, spec: unknown): number | undefined {
  const needle = `${JSON.stringify(name)}: ${JSON.stringify(spec)}`;
  const at = text.indexOf(needle);
  return at === -1 ? undefined : lineAt(text, at);
}

function parse(text: string): Record<string, unknown> | Error {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null
      ? (value as Record<string, unknown>)
      : new Error('not an object');
  } catch (e) {
    return e as Error;
  }
}

async function scan(root: string, file: string): Promise<Violation[]> {
  const text = await readTextFile(root, file);
  if (text === undefined) return [];
  const pkg = parse(text);
  if (pkg instanceof Error)
    return [{ guard: GUARD, file, message: `cannot be read as JSON: ${pkg.message}` }];
  return entries(pkg)
    .filter((e) => !isPinned(e.spec))
    .map(({ path, name, spec }) => ({
      guard: GUARD,
      file,
      line: lineOf(text, name, spec),
      message: `${path}.${name} is ${JSON.stringify(spec)}: pin an exact version like 1.2.3 (no ranges, tags or URLs)`,
    }));
}

/** Flags every unpinned dependency version in every package.json outside node_modules. */
export async function pinnedVersions(root: string, files: readonly string[]): Promise<Violation[]> {
  const targets = files.filter(
    (f) => posix.basename(f) === 'package.json' && !f.split('/').includes('node_modules'),
  );
  return (await Promise.all(targets.map((f) => scan(root, f)))).flat();
}
