/**
 * `npm run test:parity [-- --json]`: the parity suite, long form — every case through the WebSocket
 * connection and the HTTP bridge against a model double on 127.0.0.1. Prints `{cases, identical, differing}`
 * as the last line and exits non-zero on any difference or failed expectation.
 */
import { runParity } from './parity-suite.ts';

const report = await runParity();
const json = process.argv.includes('--json');
if (!json) {
  for (const d of report.differing) console.log(`DIFFERS ${d.name}: ${d.paths.join(', ')}`);
  for (const f of report.failed_expectations) console.log(`UNEXPECTED ${f}`);
  console.log(`${report.identical}/${report.cases} cases identical over WebSocket and HTTP`);
}
console.log(
  JSON.stringify({
    cases: report.cases,
    identical: report.identical,
    differing: report.differing.map((d) => ({ name: d.name, paths: d.paths })),
    failed_expectations: report.failed_expectations,
  }),
);
process.exit(report.differing.length === 0 && report.failed_expectations.length === 0 ? 0 : 1);
