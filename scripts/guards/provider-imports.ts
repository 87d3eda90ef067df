/** Guard: a worker under functions/ importing provider-specific code from shared/providers/. */
import { extname, posix } from 'node:path';
import { lineAt, readTextFile } from './source-text.ts';
import type { Violation } from './violation.ts';

const GUARD = 'provider-imports';
const CODE_EXTENSIONS = new Set(['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs']);
const PROVIDERS_DIR = 'shared/providers';
const PROVIDERS_PACKAGE = '@promethean/shared/providers';

// Static `import … from`/`export … from`, bare `import '…'`, dynamic `import('…')` and `require('…')`.
const SPECIFIER_PATTERNS = [
  /\b(?:import|export)\b[^'"`;]*?\bfrom\s*(['"])([^'"\n]+)\1/g,
  /\bimport\s*(['"])([^'"\n]+)\1/g,
  /\b(?:import|require)\s*\(\s*(['"`])([^'"`\n]+)\1\s*\)/g,
];

function isUnder(path: string, dir: string): boolean {
  return path === dir || path.startsWith(`${dir}/`);
}

/** Whether `specifier`, imported by repo-relative `importer`, lands in shared/providers/. */
export function reachesProviders(importer: string, specifier: string): boolean {
  if (specifier.startsWith('.')) {
    return isUnder(posix.normalize(posix.join(posix.dirname(importer), specifier)), PROVIDERS_DIR);
  }
  return isUnder(specifier, PROVIDERS_PACKAGE);
}

function specifiers(text: string): { specifier: string; line: number }[] {
  return SPECIFIER_PATTERNS.flatMap((pattern) =>
    [...text.matchAll(pattern)].map((match) => {
      const specifier = match[2] ?? '';
      // A match may start lines above its specifier (a multi-line import); point at the specifier.
      return { specifier, line: lineAt(text, match.index + match[0].lastIndexOf(specifier)) };
    }),
  );
}

async function scan(root: string, file: string): Promise<Violation[]> {
  const text = await readTextFile(root, file);
  if (text === undefined) return [];
  const found = specifiers(text).filter(({ specifier }) => reachesProviders(file, specifier));
  return found.map(({ specifier, line }) => ({
    guard: GUARD,
    file,
    line,
    message: `imports ${specifier}: workers must stay provider-agnostic; only the access layer may use shared/providers/`,
  }));
}

/** Flags every import from a worker file into shared/providers/. */
export async function providerImports(root: string, files: readonly string[]): Promise<Violation[]> {
  const targets = files.filter((f) => f.startsWith('functions/') && CODE_EXTENSIONS.has(extname(f)));
  return (await Promise.all(targets.map((f) => scan(root, f)))).flat();
}
