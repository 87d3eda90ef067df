/**
 * `npm run bench:admission -- [--json] [--messages N]`: what a global (Durable Object) in-flight counter
 * would cost per message against the per-isolate `AdmissionController` the consumers use. Both run inside
 * workerd (`wrangler dev`), each message taking a slot and giving it back; the DO variant makes the two RPCs
 * (acquire, release) a global per-tenant limit needs. Locally the DO sits in the same process, so the
 * figure is a floor: in production each RPC also crosses the network to wherever the object lives.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { waitForHttp } from '../../scripts/dev/managed-process.ts';
import { startWranglerDev } from '../../scripts/dev/wrangler-dev.ts';
import { wranglerDevStackEnv } from './pipeline-stack.ts';

const { values } = parseArgs({
  options: { json: { type: 'boolean', default: false }, messages: { type: 'string', default: '5000' } },
});
const messages = Number(values.messages);
if (!Number.isInteger(messages) || messages < 100) throw new Error('--messages must be an integer >= 100');

const root = join(import.meta.dirname, '..', '..');
const port = 20_000 + Math.floor(Math.random() * 2000);
const stateDir = mkdtempSync(join(tmpdir(), 'bench-admission-'));
const worker = startWranglerDev({
  root,
  configs: ['test/bench/admission-bench.wrangler.toml'],
  port,
  stateDir,
  env: wranglerDevStackEnv(),
});
const url = `http://127.0.0.1:${port}`;

async function timed(path: string): Promise<number> {
  await fetch(`${url}${path}?n=${Math.min(500, messages)}`); // warm up (JIT, object creation)
  const res = await fetch(`${url}${path}?n=${messages}`);
  if (!res.ok) throw new Error(`${path} answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { ms: number }).ms;
}

try {
  await waitForHttp(`${url}/`, worker, 120_000);
  const isolateMs = await timed('/isolate');
  const objectMs = await timed('/object');
  const perMessage = (ms: number) => Math.round((ms / messages) * 1000 * 1000) / 1000;
  const result = {
    baseline: 'per-isolate AdmissionController (admit + release)',
    messages,
    isolate_us_per_message: perMessage(isolateMs),
    durable_object_us_per_message: perMessage(objectMs),
    durable_object_requests_per_message: 2,
    ratio_durable_object_to_isolate: Math.round((objectMs / Math.max(isolateMs, 1e-6)) * 10) / 10,
    note: 'local floor: the object shares the process here; in production each of the 2 RPCs crosses the network',
  };
  if (!values.json) {
    console.log(`admission for ${messages} messages (workerd under wrangler dev)`);
    console.log(`  per-isolate counter     ${result.isolate_us_per_message} µs/message`);
    console.log(
      `  Durable Object counter  ${result.durable_object_us_per_message} µs/message (2 DO requests each)`,
    );
    console.log(`  ratio                   ${result.ratio_durable_object_to_isolate}× the per-isolate cost`);
  }
  console.log(JSON.stringify(result));
} finally {
  await worker.stop();
  rmSync(stateDir, { recursive: true, force: true });
}
