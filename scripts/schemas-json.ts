/** `npm run schemas:json` writes JSON Schema to schemas/json/; `--check` fails when it is stale. */
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jsonSchemaFiles } from '../schemas/json-schema-files.ts';

const outDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'schemas', 'json');

async function listExisting(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => relative(outDir, join(e.parentPath, e.name)));
}

async function check(expected: Map<string, string>): Promise<string[]> {
  const problems: string[] = [];
  for (const [name, text] of expected) {
    const actual = await readFile(join(outDir, name), 'utf8').catch(() => undefined);
    if (actual !== text) problems.push(`${name} is ${actual === undefined ? 'missing' : 'stale'}`);
  }
  for (const name of await listExisting(outDir)) {
    if (!expected.has(name)) problems.push(`${name} has no schema any more`);
  }
  return problems;
}

async function write(expected: Map<string, string>): Promise<void> {
  await rm(outDir, { recursive: true, force: true });
  for (const [name, text] of expected) {
    await mkdir(dirname(join(outDir, name)), { recursive: true });
    await writeFile(join(outDir, name), text);
  }
  console.log(`wrote ${expected.size} JSON Schema files to schemas/json/`);
}

const expected = jsonSchemaFiles();
if (process.argv.includes('--check')) {
  const problems = await check(expected);
  if (problems.length > 0) {
    console.error(`schemas/json is stale (run npm run schemas:json):\n  ${problems.join('\n  ')}`);
    process.exit(1);
  }
  console.log(`schemas/json is up to date (${expected.size} files)`);
} else {
  await write(expected);
}
