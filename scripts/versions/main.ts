/** `npm run versions`: writes docs/versions.md (`--check` only reports whether it is current). */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderVersions } from './versions-doc.ts';

const root = join(import.meta.dirname, '..', '..');
const target = join(root, 'docs', 'versions.md');
const text = renderVersions(root);
if (process.argv.includes('--check')) {
  const current = readFileSync(target, 'utf8') === text;
  console.log(current ? 'docs/versions.md is current' : 'docs/versions.md is stale: run npm run versions');
  process.exit(current ? 0 : 1);
}
writeFileSync(target, text);
console.log('wrote docs/versions.md');
