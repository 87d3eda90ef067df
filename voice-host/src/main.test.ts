import { spawn } from 'node:child_process';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
const SECRET = 'process-secret-0123456789';

/** Runs the real host process until it exits; returns its code and its JSON stderr lines. */
async function runHost(env: Record<string, string>, onReady?: (port: number, stop: () => void) => void) {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    // Only what the test sets (the Workers' generated types make ProcessEnv demand their bindings).
    env: { PATH: process.env.PATH ?? '', CONTROL_PORT: '0', ...env } as Record<
      string,
      string
    > as unknown as NodeJS.ProcessEnv,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const lines: Array<Record<string, unknown>> = [];
  let buffered = '';
  child.stderr.on('data', (d: Buffer) => {
    buffered += d.toString();
    for (let i = buffered.indexOf('\n'); i !== -1; i = buffered.indexOf('\n')) {
      const line = buffered.slice(0, i);
      buffered = buffered.slice(i + 1);
      try {
        const json = JSON.parse(line) as Record<string, unknown>;
        lines.push(json);
        if (json.msg === 'voice host listening' && onReady) {
          onReady(Number(new URL(String(json.url)).port), () => child.kill('SIGTERM'));
        }
      } catch {
        // not a log line (e.g. a Node warning)
      }
    }
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, lines, exit: lines.find((l) => l.event === 'voice-host.exit') };
}

/** A port that refuses connections: bound, then closed. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe('the voice host process', () => {
  it('exits 72 with a reason line when VOICE_HOST_SECRET is missing', async () => {
    const { code, exit } = await runHost({});
    expect(code).toBe(72);
    expect(exit).toMatchObject({ level: 'fatal', code: 72, reason: 'fatal_config' });
    expect(String(exit?.detail)).toMatch(/VOICE_HOST_SECRET is required/);
  });

  it('exits 72 naming every bad variable', async () => {
    const { code, exit } = await runHost({
      VOICE_HOST_SECRET: SECRET,
      CONTROL_PORT: 'x',
      INTERRUPT_MODE: 'shout',
    });
    expect(code).toBe(72);
    expect(exit?.problems).toEqual([
      expect.stringMatching(/^CONTROL_PORT:/),
      expect.stringMatching(/^INTERRUPT_MODE:/),
    ]);
  });

  it('exits 71 when the control connection cannot be re-established within the grace period', async () => {
    const port = await closedPort();
    const { code, exit } = await runHost({
      VOICE_HOST_SECRET: SECRET,
      ACCESS_CONTROL_URL: `ws://127.0.0.1:${port}/voice/control`,
      CONTROL_GRACE_MS: '300',
      WATCHDOG_CHECK_MS: '50',
      CONTROL_RECONNECT_MAX_MS: '50',
    });
    expect(code).toBe(71);
    expect(exit).toMatchObject({ code: 71, reason: 'control_connection_lost' });
  });

  it('exits 73 when the control port is taken', async () => {
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const port = (busy.address() as AddressInfo).port;
    const { code, exit } = await runHost({ VOICE_HOST_SECRET: SECRET, CONTROL_PORT: String(port) });
    await new Promise((r) => busy.close(r));
    expect(code).toBe(73);
    expect(exit?.reason).toBe('listen_failed');
  });

  it('mounts the guarded attachment egress when EGRESS_SHARED_SECRET is set', async () => {
    const egressSecret = 'egress-secret-0123456789';
    let answer: { status: number; body: unknown } | undefined;
    const { code } = await runHost(
      { VOICE_HOST_SECRET: SECRET, EGRESS_SHARED_SECRET: egressSecret },
      (port, stop) => {
        const body = {
          url: 'http://127.0.0.1:9/private',
          max_bytes: 1_000,
          allowed_content_types: ['image/*'],
          timeout_ms: 1_000,
          max_redirects: 0,
        };
        void fetch(`http://127.0.0.1:${port}/egress/fetch`, {
          method: 'POST',
          headers: { authorization: `Bearer ${egressSecret}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        })
          .then(async (r) => {
            answer = { status: r.status, body: await r.json() };
          })
          .finally(stop);
      },
    );
    expect(code).toBe(0);
    expect(answer?.status).toBe(422);
    expect(answer?.body).toMatchObject({ error: { kind: 'refused', reason: 'blocked_address' } });
  });

  it('serves /health and exits 0 on SIGTERM', async () => {
    let health: unknown;
    const { code, exit } = await runHost({ VOICE_HOST_SECRET: SECRET }, (port, stop) => {
      void fetch(`http://127.0.0.1:${port}/health`)
        .then((r) => r.json())
        .then((h) => {
          health = h;
          stop();
        });
    });
    expect(health).toMatchObject({ state: 'RUNNING', control: 'disabled', sessions: [] });
    expect(code).toBe(0);
    expect(exit?.reason).toBe('shutdown');
  });
});
