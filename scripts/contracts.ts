/** `npm run contracts` writes the data contracts to schemas/contracts/; `--check` fails when one is stale. */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { contractFiles } from '../shared/migrations/contracts/contract-catalog.ts';

const dir = join(import.meta.dirname, '..', 'schemas', 'contracts');

/** Which committed contract files differ from what the schemas give now. */
export async function staleContracts(
  expected: Map<string, string> = contractFiles(),
  contractsDir: string = dir,
): Promise<string[]> {
  const problems: string[] = [];
  for (const [name, text] of expected) {
    const actual = await readFile(join(contractsDir, name), 'utf8').catch(() => undefined);
    if (actual !== text) problems.push(`${name} is ${actual === undefined ? 'missing' : 'stale'}`);
  }
  for (const name of await readdir(contractsDir).catch(() => [])) {
    if (name.endsWith('.contract.json') && !expected.has(name))
      problems.push(`${name} has no contract any more`);
  }
  return problems;
}

if (import.meta.filename === process.argv[1]) {
  if (process.argv.includes('--check')) {
    const problems = await staleContracts();
    if (problems.length > 0) {
      console.error(`schemas/contracts is stale (run npm run contracts):\n  ${problems.join('\n  ')}`);
      process.exit(1);
    }
    console.log('schemas/contracts is up to date');
  } else {
    for (const [name, text] of contractFiles()) await writeFile(join(dir, name), text);
    console.log(`wrote ${contractFiles().size} contracts to schemas/contracts/`);
  }
}
