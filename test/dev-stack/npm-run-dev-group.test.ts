/**
 * `npm run dev` as a terminal runs it: npm, its script shell, tsx and the stack in one foreground process
 * group. After traffic, a chunked oversize body goes to each public route (a runtime that dies on a
 * cancelled body reader takes the whole stack down), and then Ctrl-C — SIGINT to the whole group, so npm,
 * tsx and the stack all receive it, some more than once — must leave no process and every port free.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realDiscordConfigured } from '../../durable-objects/dev/dev-discord.ts';
import { pollUntil } from '../../scripts/dev/demo-client.ts';
import { readDevKeys } from '../../scripts/dev/dev-keys.ts';
import { signInteraction } from '../../scripts/dev/interaction-signer.ts';
import { freePort } from '../servers/free-port.ts';
import { alive, descendants, listeningPorts, portFree } from './process-tree.ts';

const root = join(import.meta.dirname, '..', '..');
const OVERSIZE = 10 * 1024 * 1024;

/**
 * POSTs `bytes` zero bytes with Transfer-Encoding: chunked, stopping once the server answers or resets;
 * resolves with the status and the start of the answer, or "reset" when the connection closed before any answer.
 */
type Answer = { status: number; text: string } | 'reset';

function postChunked(url: string, headers: Record<string, string>, bytes: number): Promise<Answer> {
  return new Promise((resolve) => {
    const req = request(url, { method: 'POST', headers: { ...headers, 'transfer-encoding': 'chunked' } });
    let settled = false;
    const settle = (v: Answer) => {
      if (settled) return;
      settled = true;
      resolve(v);
      req.destroy();
    };
    req.on('response', (res) => {
      let text = '';
      res.on('data', (d: Buffer) => {
        text = (text + d.toString()).slice(0, 300);
      });
      const done = () => settle({ status: res.statusCode ?? 0, text });
      res.once('end', done);
      res.once('error', done);
      res.once('close', done);
    });
    req.on('error', () => settle('reset'));
    const chunk = Buffer.alloc(64 * 1024);
    let sent = 0;
    const pump = () => {
      while (!settled && sent < bytes) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      if (!settled) req.end();
    };
    pump();
  });
}

describe.skipIf(realDiscordConfigured())('npm run dev in a terminal', () => {
  let child: ChildProcess;
  let output = '';
  let exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  let base = '';
  let stateDir = '';
  let beforeStop: number[] = [];

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    stateDir = join(root, '.wrangler', `npm-run-dev-group-${port}`);
    // detached: a process group of its own with npm as leader, as a shell makes for a foreground job.
    child = spawn('npm', ['run', 'dev', '--', '--port', String(port), '--state-dir', stateDir], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    child.stdout?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    await pollUntil(
      async () => (output.includes('Press Ctrl-C to stop.') ? true : undefined),
      150_000,
      () => `dev stack did not come up:\n${output}`,
      100,
    );
  }, 180_000);

  afterAll(async () => {
    // Nothing is left when the tests pass. When one failed: take down whatever is left of the tree (including processes orphaned by a
    // stop that went wrong, which are no longer descendants of npm).
    const running = child.exitCode === null && child.signalCode === null;
    const left = [...(running ? [child.pid!, ...descendants(child.pid!)] : []), ...beforeStop.filter(alive)];
    for (const pid of left) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    execFileSync('rm', ['-rf', stateDir]);
  });

  it('answers a chunked oversize body on every public route and keeps serving', async () => {
    const keys = readDevKeys(stateDir);
    const admin = { authorization: `Bearer ${keys.admin_token}` };
    const discordKeys = keys.interaction_keys.discord?.duck;
    expect(discordKeys).toBeDefined();
    // Signed headers make the interaction route read the body rather than refuse at the signature.
    const signed = (await signInteraction(discordKeys!, '{}')).headers;
    const echoKeys = keys.interaction_keys.echo?.demo;
    expect(echoKeys).toBeDefined();
    const echoSigned = (await signInteraction(echoKeys!, '{}')).headers;
    const routes: Array<[string, Record<string, string>]> = [
      ['/interactions/discord/duck', signed],
      ['/interactions/echo/demo', echoSigned],
      ['/voice/segments', {}],
      ['/voice-host/relay', {}],
      ['/dev/echo/demo/messages', { 'content-type': 'application/json' }],
      ['/dev/discord/duck/messages', { 'content-type': 'application/json' }],
      ['/admin/commands/discord/duck', admin],
      ['/admin/backfill/discord/duck', admin],
      ['/admin/dead-letters/discord/duck/x/replay', admin],
      ['/admin/dead-letters/discord/duck/purge', admin],
      ['/admin/agents/message-indexer/pause', admin],
      ['/status/sign-in', { 'content-type': 'application/x-www-form-urlencoded' }],
      ['/status/sign-out', {}],
      ['/health', {}],
    ];
    const answers: Record<string, Answer> = {};
    for (const [path, headers] of routes) {
      answers[path] = await postChunked(`${base}${path}`, headers, OVERSIZE);
      const health = await fetch(`${base}/health`);
      expect(
        health.status,
        `/health after ${path} (${JSON.stringify(answers[path])}):\n${output.slice(-3000)}`,
      ).toBe(200);
    }
    console.log(`chunked ${OVERSIZE / 1024 / 1024} MB POST answers: ${JSON.stringify(answers)}`);
    // The signed interaction routes read the body and refuse it at their cap, or the local runtime loses
    // the connection it was still receiving on (its own 500, not the Worker's); other routes may refuse the
    // body earlier or ignore it. Either way the stack keeps serving (/health above).
    for (const path of ['/interactions/discord/duck', '/interactions/echo/demo']) {
      const a = answers[path]!;
      const refused =
        a === 'reset' || a.status === 413 || (a.status === 500 && a.text.includes('Network connection lost'));
      expect(refused, `${path}: ${JSON.stringify(a)}`).toBe(true);
    }
    expect(child.exitCode).toBeNull();
    expect(output).not.toContain('exited unexpectedly');
  }, 120_000);

  it('stops every process and frees every port on Ctrl-C after traffic', async () => {
    // Traffic through the fake Discord and the echo provider first, so their sockets are open.
    const sent = await fetch(`${base}/dev/discord/duck/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        channel_id: '700000000000000001',
        content: 'quack',
        idempotency_key: 'ctrl-c-1',
      }),
    });
    expect(sent.status).toBeLessThan(300);
    const echo = await fetch(`${base}/dev/echo/demo/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ author: { id: 'ada', name: 'Ada' }, content: 'hello duck' }] }),
    });
    expect(echo.status).toBeLessThan(300);
    const gateway = await fetch(`${base}/dev/discord/duck/gateway/0/start`, { method: 'POST' });
    expect(gateway.status).toBeLessThan(300);
    const tree = descendants(child.pid!);
    beforeStop = tree;
    const ports = listeningPorts([child.pid!, ...tree]);
    expect(ports).toContain(Number(new URL(base).port));
    expect(ports.length).toBeGreaterThanOrEqual(3); // the Workers, Chroma, the fake Discord

    // Ctrl-C: the terminal signals the whole group. A second one while stopping (pressed again, or relayed
    // by a wrapper) must join the stop, not cut it short.
    process.kill(-child.pid!, 'SIGINT');
    await new Promise((r) => setTimeout(r, 300));
    try {
      process.kill(-child.pid!, 'SIGINT');
    } catch {
      // ESRCH: the whole group has already exited, which is fine.
    }
    const { code, signal } = await exited;
    const deadline = Date.now() + 15_000;
    while ([...tree].some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(tree.filter(alive), output.slice(-3000)).toEqual([]);
    expect(output).toContain('dev stack stopped');
    // npm re-raises the SIGINT it got on itself once its script has exited, as in a terminal.
    expect(code === 0 || signal === 'SIGINT', `npm exited with ${code} / ${signal}`).toBe(true);
    const stillTaken: number[] = [];
    for (const port of ports) if (!(await portFree(port))) stillTaken.push(port);
    expect(stillTaken).toEqual([]);
  }, 60_000);
});
