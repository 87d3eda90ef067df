/**
 * `npm run --silent robots -- <robots.txt file> <user-agent> <url>`: prints one line and exits 0 when
 * the URL is allowed, 1 when disallowed (2 on a usage error), by the crawler's RFC 9309 matcher.
 */
import { readFileSync } from 'node:fs';
import { checkRobots, ROBOTS_USAGE } from './web/robots-check.ts';

const [file, agent, url] = process.argv.slice(2);
if (file === undefined || agent === undefined || url === undefined || process.argv.length !== 5) {
  console.log(ROBOTS_USAGE);
  process.exit(2);
}
function readRobots(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    console.log(`error: cannot read ${path}: ${(e as Error).message}`);
    return process.exit(2);
  }
}
const result = checkRobots(readRobots(file), agent, url);
console.log(result.line);
process.exit(result.code);
