/**
 * The real voice host process against both Workers under wrangler dev and the fake Discord: the host keeps
 * its control connection through the functions Worker's `/voice-host/connect` to the tenant's
 * VoiceHostLink; a join asked of the link reaches the host, @discordjs/voice's adapter sends op 4 through
 * `/voice-host/relay` to the GatewaySession and on to the fake gateway, and the fake's VOICE_STATE_UPDATE
 * and VOICE_SERVER_UPDATE come back down the control connection to the host's voice connection (which
 * then tries the fake's voice endpoint, where no voice server answers: the handshake ends there).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_FAILED_CONNECTS } from '../../voice-host/src/session/voice-session.ts';
import { type PipelineStack, startPipelineStack } from '../bench/pipeline-stack.ts';
import { freePort } from '../servers/free-port.ts';

const root = join(import.meta.dirname, '..', '..');
const SECRET = 'e2e-voice-host-secret-0123456789';
const GUILD = '800000000000000001';
const VOICE_CHANNEL = '560000000000000002';

let stack: PipelineStack;
let host: ChildProcess | undefined;
let hostPort = 0;
const hostLog: string[] = [];

async function until<T>(
  what: string,
  probe: () => Promise<T>,
  ok: (v: T) => boolean,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await probe();
  while (!ok(last)) {
    if (Date.now() > deadline)
      throw new Error(
        `timed out waiting for ${what}; last: ${JSON.stringify(last)}\nvoice host log:\n${hostLog.slice(-40).join('\n')}`,
      );
    await new Promise((r) => setTimeout(r, 100));
    last = await probe();
  }
  return last;
}

const json = async <T>(url: string, init?: RequestInit): Promise<T> =>
  (await fetch(url, init)).json() as Promise<T>;

beforeAll(async () => {
  stack = await startPipelineStack({
    documents: 'sqlite',
    accessVars: { VOICE_HOST_SECRET: SECRET },
    functionsVars: { VOICE_INGEST_SECRET: SECRET },
  });
  hostPort = await freePort();
  const ws = stack.url.replace(/^http/, 'ws');
  host = spawn(process.execPath, [join(root, 'node_modules/tsx/dist/cli.mjs'), 'voice-host/src/main.ts'], {
    cwd: root,
    env: {
      ...process.env,
      VOICE_HOST_SECRET: SECRET,
      VOICE_HOST_ID: 'e2e-host',
      CONTROL_HOST: '127.0.0.1',
      CONTROL_PORT: String(hostPort),
      ACCESS_CONTROL_URL: `${ws}/voice-host/connect?provider=discord&tenant=duck`,
      ACCESS_RELAY_URL: `${stack.url}/voice-host/relay`,
      SEGMENT_INGEST_URL: `${stack.url}/voice/segments`,
      PLAYBACK_FETCH_ORIGINS: stack.url,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  host.stderr?.on('data', (chunk: Buffer) => hostLog.push(...chunk.toString().split('\n').filter(Boolean)));
}, 240_000);

afterAll(async () => {
  if (host && host.exitCode === null) {
    const exited = new Promise((resolve) => host?.once('exit', resolve));
    host.kill('SIGTERM');
    await exited;
  }
  await stack?.stop();
}, 60_000);

describe('the voice host process against the dev stack', () => {
  it('connects, joins through the relay and receives the fake gateway’s voice updates', async () => {
    const health = () =>
      json<{ control: string; sessions: Array<{ session_id: string; connection: string }> }>(
        `http://127.0.0.1:${hostPort}/health`,
      ).catch(() => ({ control: 'down', sessions: [] }));
    await until('the control connection', health, (h) => h.control === 'connected', 60_000);

    const gateway = `${stack.url}/dev/discord/duck/gateway/0`;
    await fetch(`${gateway}/start`, { method: 'POST' });
    await until(
      'the gateway session READY',
      () => json<{ status: string }>(gateway),
      (g) => g.status === 'ready',
    );

    const join = await json<{ status: string; session_id: string }>(
      `${stack.url}/dev/discord/duck/voice/join`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ guild_id: GUILD, channel_id: VOICE_CHANNEL }),
      },
    );
    expect(join.status).toBe('sent');

    // op 4 from the host's adapter, through the relay and the gateway session, at the fake gateway.
    const received = await until(
      'op 4 at the fake gateway',
      async () => stack.fake.gateway.received(),
      (r) => r.some((p) => p.op === 4 && (p.d as { channel_id?: string }).channel_id === VOICE_CHANNEL),
    );
    expect(received.find((p) => p.op === 4)?.d).toMatchObject({ guild_id: GUILD, channel_id: VOICE_CHANNEL });

    // Both voice updates reached the host through its control connection.
    const link = await until(
      'voice updates forwarded to the host',
      () => json<{ voice_updates: number; connected: boolean }>(`${stack.url}/dev/discord/duck/voice`),
      (l) => l.voice_updates >= 2,
    );
    expect(link.connected).toBe(true);
    // With both updates in hand, @discordjs/voice leaves "signalling" and dials the voice server the
    // fake named (none listens there); each refusal makes it rejoin, so the host gives up after a few.
    await until(
      'the host to dial the voice server and then give up',
      async () => hostLog.join('\n'),
      (log) => log.includes('voice server unreachable'),
    );
    expect(hostLog.some((l) => l.includes('voice connection error') && l.includes('ECONNREFUSED'))).toBe(
      true,
    );
    const joins = stack.fake.gateway
      .received()
      .filter((p) => p.op === 4 && (p.d as { channel_id?: string | null }).channel_id === VOICE_CHANNEL);
    // The first join plus at most MAX_FAILED_CONNECTS rejoins: the gateway's send budget is not spent.
    expect(joins.length).toBeGreaterThanOrEqual(2);
    expect(joins.length).toBeLessThanOrEqual(1 + MAX_FAILED_CONNECTS);
  }, 180_000);
});
