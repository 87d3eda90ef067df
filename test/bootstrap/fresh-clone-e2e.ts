/**
 * `npm run e2e:fresh-clone`: the README's quick start from a fresh clone on a machine whose Node is too
 * old, timed. With that Node first on PATH: `npm ci`, then `npm run dev` until /health answers (within
 * 2 minutes), then `npm run demo`, then Ctrl-C (SIGINT to the dev stack's process group) leaving no process
 * and every port free. Prints one JSON line last. The short form is test/bootstrap/pinned-node.test.ts.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { alive, descendants, listeningPorts, portFree } from '../dev-stack/process-tree.ts';
import { freePort } from '../servers/free-port.ts';
import { cloneWorkingTree, oldNode, withoutNpmEnv } from './fresh-clone.ts';

const { values } = parseArgs({
  options: { keep: { type: 'boolean', default: false }, json: { type: 'boolean' } },
});
const root = join(import.meta.dirname, '..', '..');
const old = oldNode();
if (!old) {
  console.error('no Node older than 22.12 found (set PROMETHEAN_OLD_NODE to one)');
  process.exit(2);
}
const work = mkdtempSync(join(tmpdir(), 'promethean-e2e-clone-'));
const clone = cloneWorkingTree(root, join(work, 'clone'));
const env = { ...withoutNpmEnv(process.env), PATH: `${dirname(old.path)}:/usr/bin:/bin`, PWD: clone };
const seconds = (since: number) => Math.round((performance.now() - since) / 100) / 10;

function start(args: string[], detached = false): { child: ChildProcess; output: () => string } {
  const child = spawn('npm', args, { cwd: clone, env, stdio: ['ignore', 'pipe', 'pipe'], detached });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  return { child, output: () => out };
}

const finished = (child: ChildProcess) =>
  new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.exitCode !== null || child.signalCode !== null
      ? resolve({ code: child.exitCode, signal: child.signalCode })
      : child.once('exit', (code, signal) => resolve({ code, signal })),
  );

function fail(step: string, output: string): never {
  console.error(`${step} failed:\n${output.slice(-4000)}`);
  console.log(JSON.stringify({ ok: false, step, clone }));
  process.exit(1);
}

const result: Record<string, unknown> = { old_node: old.version, clone };
try {
  let t = performance.now();
  const ci = start(['ci', '--no-audit', '--no-fund']);
  if ((await finished(ci.child)).code !== 0) fail('npm ci', ci.output());
  result.npm_ci_s = seconds(t);
  result.bootstrap_line =
    ci
      .output()
      .split('\n')
      .find((l) => l.startsWith('promethean-edge:')) ?? null;

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  t = performance.now();
  const dev = start(['run', 'dev', '--', '--port', String(port), '--quiet'], true);
  for (;;) {
    if (dev.child.exitCode !== null) fail('npm run dev', dev.output());
    if (performance.now() - t > 120_000) fail('/health within 2 minutes', dev.output());
    if (
      await fetch(`${base}/health`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    await new Promise((r) => setTimeout(r, 250));
  }
  result.health_s = seconds(t);

  t = performance.now();
  const demo = start(['run', 'demo', '--', '--url', base, '--timeout-s', '90']);
  const demoExit = await finished(demo.child);
  if (demoExit.code !== 0 || !/demo \w+ passed/.test(demo.output())) fail('npm run demo', demo.output());
  result.demo_s = seconds(t);
  result.demo_line = demo
    .output()
    .split('\n')
    .find((l) => /demo \w+ passed/.test(l));

  const tree = descendants(dev.child.pid!);
  const ports = listeningPorts([dev.child.pid!, ...tree]);
  t = performance.now();
  process.kill(-dev.child.pid!, 'SIGINT');
  await finished(dev.child);
  const deadline = Date.now() + 15_000;
  while (tree.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  result.stop_s = seconds(t);
  const left = tree.filter(alive);
  const taken: number[] = [];
  for (const p of ports) if (!(await portFree(p))) taken.push(p);
  result.ports = ports.length;
  if (left.length > 0 || taken.length > 0 || !dev.output().includes('dev stack stopped'))
    fail(`Ctrl-C (left ${left.join(',') || 'none'}, ports taken ${taken.join(',') || 'none'})`, dev.output());
  result.ok = true;
} finally {
  if (!values.keep) rmSync(work, { recursive: true, force: true });
}
console.log(JSON.stringify(result));
