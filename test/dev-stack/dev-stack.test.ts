/**
 * Starts the dev stack the way a user does (`scripts/dev-stack.ts`, what `npm run dev` runs), runs
 * `npm run demo` and `npm run commands:register` against it, sends a signed Discord interaction through
 * the fake Discord's application key, checks that the interaction token stayed out of the logs and
 * every store but RestBuckets, and stops it with SIGINT leaving no process behind.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import { DEV_FAKE_BOTS, realDiscordConfigured } from '../../durable-objects/dev/dev-discord.ts';
import { pollUntil } from '../../scripts/dev/demo-client.ts';
import { readDevKeys } from '../../scripts/dev/dev-keys.ts';
import { signInteraction } from '../../scripts/dev/interaction-signer.ts';
import { commandInteraction } from '../interactions/discord-interaction-payloads.ts';
import { descendants } from './process-tree.ts';

const root = join(import.meta.dirname, '..', '..');
const tsx = join(root, 'node_modules/tsx/dist/cli.mjs');

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Runs one of the project's scripts to completion; resolves with its exit code and output. */
function runScript(script: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [tsx, script, ...args], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.once('exit', (code) => resolve({ code, output }));
  });
}

/** Files under `dir` (recursively) whose bytes contain `needle`, skipping paths that match `except`. */
function filesContaining(dir: string, needle: string, except: RegExp): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (except.test(path)) continue;
      if (statSync(path).isDirectory()) walk(path);
      else if (readFileSync(path).includes(needle)) found.push(path);
    }
  };
  walk(dir);
  return found;
}

/**
 * Where `needle` occurs in the runtime's local trace store (miniflare records each Worker's spans and
 * console lines): as `service/name` of spans, and `log` for console lines.
 */
function traceHits(stateDir: string, needle: string): string[] {
  const dir = join(stateDir, 'v3', 'observability', 'miniflare-wobs-trace-store');
  if (!existsSync(dir)) return [];
  const hits: string[] = [];
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.sqlite') && n !== 'metadata.sqlite')) {
    const db = new DatabaseSync(join(dir, name), { readOnly: true });
    try {
      const spans = db.prepare('SELECT service, name, attributes FROM spans').all() as Array<{
        service: string;
        name: string;
        attributes: Uint8Array | null;
      }>;
      for (const span of spans) {
        const attributes = Buffer.from(span.attributes ?? new Uint8Array());
        if (!attributes.includes(needle)) continue;
        const webhook = attributes.includes('/webhooks/') ? ' (Discord webhook URL)' : '';
        hits.push(`${span.service}/${span.name}${webhook}`);
      }
      const logs = db.prepare('SELECT message FROM logs').all() as Array<{ message: string | null }>;
      for (const line of logs) if (line.message?.includes(needle)) hits.push('log');
    } finally {
      db.close();
    }
  }
  return hits;
}

describe('npm run dev', () => {
  // With real credentials in durable-objects/.dev.vars the stack talks to Discord itself: not in a test.
  it.skipIf(realDiscordConfigured())(
    'runs the demo, registers commands, answers a signed Discord interaction, keeps its token to RestBuckets, and stops cleanly',
    async () => {
      const port = await freePort();
      const stateDir = join(root, '.wrangler', `dev-stack-test-${port}`);
      const child = spawn(
        process.execPath,
        [tsx, 'scripts/dev-stack.ts', '--port', String(port), '--state-dir', stateDir],
        {
          cwd: root,
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let output = '';
      child.stdout.on('data', (d: Buffer) => {
        output += d.toString();
      });
      child.stderr.on('data', (d: Buffer) => {
        output += d.toString();
      });
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      const base = `http://127.0.0.1:${port}`;
      try {
        await pollUntil(
          async () => (output.includes('Press Ctrl-C to stop.') ? true : undefined),
          120_000,
          () => `dev stack did not come up:\n${output}`,
          100,
        );
        expect(output).toContain('fake Discord at http://127.0.0.1:');
        expect(output).toMatch(/Chroma +http:\/\/127\.0\.0\.1:\d+/);

        // The demo, as a user runs it: messages indexed and embedded, /search finds them, /ask answers.
        const demo = await runScript('scripts/demo.ts', [
          '--url',
          base,
          '--state-dir',
          stateDir,
          '--timeout-s',
          '60',
        ]);
        expect(demo.output, demo.output).toMatch(/demo \w+ passed: 7 steps/);
        expect(demo.code).toBe(0);

        // Command registration: everything added once, then nothing to write.
        const register = ['--tenant', 'duck', '--url', base, '--state-dir', stateDir];
        const first = await runScript('scripts/commands-register.ts', register);
        expect(first.output).toContain('5 added, 0 updated, 0 unchanged, 0 removed; written to Discord');
        const again = await runScript('scripts/commands-register.ts', register);
        expect(again.output).toContain('0 added, 0 updated, 5 unchanged, 0 removed; nothing to write');

        // A Discord interaction signed with the fake application's key (Discord would send exactly this).
        const keys = readDevKeys(stateDir).interaction_keys.discord?.duck;
        expect(keys).toBeDefined();
        const interaction = commandInteraction({
          name: 'voice',
          options: [{ name: 'leave', type: 1 }],
          applicationId: DEV_FAKE_BOTS.duck.applicationId,
        });
        const body = JSON.stringify(interaction);
        const signed = await signInteraction(keys!, body);
        const post = () =>
          fetch(`${base}/interactions/discord/duck`, { method: 'POST', headers: signed.headers, body });
        // Discord records our type-5 answer as the interaction's callback before any follow-up can reach it;
        // tell the fake first, since the follow-up may arrive before this test has read the answer.
        const fakeRest = /fake Discord at (http:\/\/127\.0\.0\.1:\d+\/api\/v10)/.exec(output)![1]!;
        await fetch(`${fakeRest}/interactions/${interaction.id}/${interaction.token}/callback`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ type: 5 }),
        });
        const deferred = await post();
        expect(deferred.status).toBe(200);
        expect(await deferred.json()).toEqual({ type: 5 });
        expect((await post()).status).toBe(401); // the same interaction again: a replay
        const fakeBase = fakeRest.replace(/\/api\/v10$/, '');
        const edit = await pollUntil(
          async () => {
            const requests = (await (await fetch(`${fakeBase}/__fake/requests`)).json()) as Array<{
              method: string;
              path: string;
              status: number;
              body: { content?: string };
            }>;
            return requests.find(
              (r) => r.method === 'PATCH' && r.path.includes(`/${interaction.token}/messages/@original`),
            );
          },
          60_000,
          () => 'the /voice leave answer never replaced the deferred response',
        );
        expect(edit.status).toBe(200);
        expect(edit.body.content).toBe('Asked Duck to leave the voice channel.');
        // The token left the access layer only towards Discord: no log line, no store but RestBuckets.
        expect(output).not.toContain(interaction.token);
        expect(
          filesContaining(stateDir, interaction.token, /RestBuckets|miniflare-wobs-trace-store/),
        ).toEqual([]);
        // Discord puts the token in the webhook URL itself, so the runtime's span of that one outbound
        // call from the access Worker names it; no other span and no console line does.
        const elsewhere = traceHits(stateDir, interaction.token).filter(
          (hit) => hit !== 'promethean-access/fetch (Discord webhook URL)',
        );
        expect(elsewhere).toEqual([]);

        // Nor does any operator surface: metrics (bucket labels), the status snapshot, the status page.
        const devKeys = readDevKeys(stateDir);
        const admin = { authorization: `Bearer ${devKeys.admin_token}` };
        for (const path of [
          '/metrics',
          '/metrics?format=json',
          '/admin/status',
          '/status',
          '/status/panels',
        ]) {
          const res = await fetch(`${base}${path}`, { headers: admin });
          expect(res.status, path).toBe(200);
          const text = await res.text();
          expect(text.includes(interaction.token), `${path} shows the interaction token`).toBe(false);
        }

        // Echo interactions follow Discord's rules over HTTP too: PING answers PONG, a replay is refused.
        const echoKeys = devKeys.interaction_keys.echo?.demo;
        expect(echoKeys).toBeDefined();
        const echo = async (interactionBody: unknown) => {
          const text = JSON.stringify(interactionBody);
          const echoSigned = await signInteraction(echoKeys!, text);
          return fetch(`${base}/interactions/echo/demo`, {
            method: 'POST',
            headers: echoSigned.headers,
            body: text,
          });
        };
        const pong = await echo({ type: 'ping', id: `ping-${port}` });
        expect(pong.status).toBe(200);
        expect(await pong.json()).toEqual({ type: 'pong' });
        const statusCommand = {
          type: 'command',
          id: `status-${port}`,
          command: 'status',
          user: { id: 'ada', name: 'Ada' },
        };
        expect((await echo(statusCommand)).status).toBe(200);
        expect((await echo(statusCommand)).status).toBe(401);
      } finally {
        const tree = descendants(child.pid!);
        child.kill('SIGINT');
        expect(await exited).toBe(0);
        expect(output).toContain('dev stack stopped');
        const deadline = Date.now() + 15_000;
        while (tree.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
        expect(tree.filter(alive)).toEqual([]);
        expect(existsSync(join(root, 'durable-objects', '.dev.vars'))).toBe(false);
        execFileSync('rm', ['-rf', stateDir]);
      }
    },
    300_000,
  );
});
