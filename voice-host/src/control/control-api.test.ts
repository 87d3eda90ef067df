import type { VoiceStateCommand } from '@promethean/schemas/voice/voice-relay';
import { SystemScheduler } from '@promethean/shared/broker/scheduler';
import { egressEndpoint } from '@promethean/shared/net/egress-endpoint';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeControlChannel } from '../../testing/fake-control-channel.ts';
import { loadHostConfig } from '../config/host-config.ts';
import { RelayAdapterRegistry } from '../gateway-adapter/relay-adapter-registry.ts';
import { VoiceHost } from '../host/voice-host.ts';
import { PcmUrlFetcher } from '../playback/pcm-url-fetcher.ts';
import { MemorySegmentSink } from '../segments/memory-segment-sink.ts';
import { controlApi } from './control-api.ts';
import { type BridgeServer, serveFetch } from './node-http-bridge.ts';

const SECRET = 'test-secret-0123456789';
const auth = { authorization: `Bearer ${SECRET}`, 'content-type': 'application/json' };
const join = { session_id: 'vs-1', tenant: 'duck', guild_id: '1001', channel_id: '2002' };
const item = {
  session_id: 'vs-1',
  reply_id: 'r1',
  seq: 0,
  last: true,
  format: { encoding: 'pcm_s16le', sample_rate: 24_000, channels: 1 },
  blob_key: 'tts/r1/0',
  duration_ms: 20,
};

let server: BridgeServer;
let host: VoiceHost;
let relayed: VoiceStateCommand[];
let base: string;

beforeEach(async () => {
  relayed = [];
  const config = loadHostConfig({ VOICE_HOST_SECRET: SECRET, PLAYBACK_MAX_BYTES: '100000' });
  const adapters = new RelayAdapterRegistry(
    async (_p, _t, command) => {
      relayed.push(command);
      return { ok: true };
    },
    () => {},
  );
  host = new VoiceHost({
    config,
    scheduler: new SystemScheduler(),
    control: new FakeControlChannel(),
    adapters,
    sinkFor: () => new MemorySegmentSink(),
    fetcher: new PcmUrlFetcher({ origins: ['https://blobs.example'], maxBytes: 100_000, timeoutMs: 1_000 }),
    log: () => {},
    exit: () => {},
  });
  host.start();
  server = await serveFetch(
    (r) => controlApi({ host, secret: SECRET, maxPcmBytes: 100_000 }).fetch(r),
    '127.0.0.1',
    0,
  );
  base = `http://127.0.0.1:${server.port}`;
});

afterEach(async () => {
  await host.stop();
  await server.close();
});

const post = (path: string, body: unknown, headers: Record<string, string> = auth) =>
  fetch(`${base}${path}`, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('control API over a real socket', () => {
  it('answers /health without a secret and without secrets or user content', async () => {
    const res = await fetch(`${base}/health`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(JSON.parse(text)).toMatchObject({ state: 'RUNNING', control: 'connected', sessions: [] });
    expect(text).not.toContain(SECRET);
  });

  it('refuses every other route without the right bearer secret', async () => {
    const attempts: Array<Record<string, string>> = [
      {},
      { authorization: 'Bearer wrong-secret-000000000' },
      { authorization: SECRET },
    ];
    for (const headers of attempts) {
      const res = await post('/sessions', join, headers);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
    }
    expect((await fetch(`${base}/sessions`)).status).toBe(401);
    expect((await fetch(`${base}/sessions/vs-1`, { method: 'DELETE' })).status).toBe(401);
  });

  it('answers 400 with the problems for bad JSON and invalid bodies', async () => {
    const notJson = await post('/sessions', '{nope');
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toEqual({ error: { kind: 'bad_request', message: 'body is not JSON' } });
    const invalid = await post('/sessions', { ...join, guild_id: '' });
    expect(invalid.status).toBe(400);
    expect(((await invalid.json()) as { error: { issues: string[] } }).error.issues[0]).toMatch(/^guild_id:/);
  });

  it('joins (relaying op 4), is idempotent, refuses a second channel in the guild, then leaves', async () => {
    const res = await post('/sessions', join);
    expect(res.status).toBe(201);
    expect(((await res.json()) as { session: { state: string } }).session.state).toBe('INIT');
    expect((await post('/sessions', join)).status).toBe(201);
    expect((await post('/sessions', { ...join, session_id: 'vs-2' })).status).toBe(409);
    expect(relayed[0]).toEqual({
      op: 4,
      d: { guild_id: '1001', channel_id: '2002', self_mute: false, self_deaf: false },
    });
    const health = (await (await fetch(`${base}/health`)).json()) as {
      sessions: Array<{ session_id: string }>;
    };
    expect(health.sessions.map((s) => s.session_id)).toEqual(['vs-1']);

    expect((await fetch(`${base}/sessions/vs-1`, { method: 'DELETE', headers: auth })).status).toBe(200);
    expect((await fetch(`${base}/sessions/vs-1`, { method: 'DELETE', headers: auth })).status).toBe(404);
    expect(relayed.at(-1)?.d.channel_id).toBeNull();
  });

  it('queues playback with inline PCM, and refuses bad PCM, foreign URLs and unknown sessions', async () => {
    await post('/sessions', join);
    const pcm = Buffer.alloc(960).toString('base64');
    const ok = await post('/sessions/vs-1/play', { item, pcm_base64: pcm });
    expect(ok.status).toBe(202);
    expect(await ok.json()).toEqual({ result: 'queued' });
    expect(await (await post('/sessions/vs-1/play', { item, pcm_base64: pcm })).json()).toEqual({
      result: 'finished-reply',
    });

    const odd = await post('/sessions/vs-1/play', {
      item: { ...item, reply_id: 'r2' },
      pcm_base64: Buffer.alloc(3).toString('base64'),
    });
    expect(odd.status).toBe(400);
    const both = await post('/sessions/vs-1/play', { item, pcm_base64: pcm, url: 'https://blobs.example/x' });
    expect(both.status).toBe(400);
    const foreign = await post('/sessions/vs-1/play', {
      item: { ...item, reply_id: 'r3' },
      url: 'https://elsewhere.example/x.pcm',
    });
    expect(foreign.status).toBe(400);
    expect(((await foreign.json()) as { error: { message: string } }).error.message).toMatch(
      /PLAYBACK_FETCH_ORIGINS/,
    );
    expect(
      (await post('/sessions/nope/play', { item: { ...item, session_id: 'nope' }, pcm_base64: pcm })).status,
    ).toBe(404);
    const tooLarge = await post('/sessions/vs-1/play', {
      item,
      pcm_base64: Buffer.alloc(200_000).toString('base64'),
    });
    expect(tooLarge.status).toBe(413);
  });

  it('reserves POST /egress/fetch: 501 while the egress is off', async () => {
    const res = await post('/egress/fetch', { url: 'https://cdn.example/a.png' });
    expect(res.status).toBe(501);
    expect((await post('/egress/fetch', {}, {})).status).toBe(401);
  });

  it('refuses a provider this host does not speak', async () => {
    const res = await post('/sessions', { ...join, provider: 'echo' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/Discord only/);
  });

  it('answers 404 for an unknown route', async () => {
    expect((await fetch(`${base}/nope`, { headers: auth })).status).toBe(404);
  });
});

describe('POST /egress/fetch when the egress is on', () => {
  const EGRESS = 'egress-secret-0123456789';

  it('is served by the shared egress endpoint with its own secret, not the host secret', async () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
    const origin = await serveFetch(
      () => new Response(png, { headers: { 'content-type': 'image/png' } }),
      '127.0.0.1',
      0,
    );
    const originUrl = `http://127.0.0.1:${origin.port}`;
    const api = controlApi({
      host,
      secret: SECRET,
      maxPcmBytes: 1_000,
      egress: egressEndpoint({
        secret: EGRESS,
        fetch: (i, init) => fetch(i, init),
        trusted_origins: [originUrl],
      }),
    });
    const egress = await serveFetch((r) => api.fetch(r), '127.0.0.1', 0);
    try {
      const body = {
        url: `${originUrl}/a.png`,
        max_bytes: 1_000,
        allowed_content_types: ['image/*'],
        timeout_ms: 2_000,
        max_redirects: 0,
      };
      const url = `http://127.0.0.1:${egress.port}/egress/fetch`;
      const ok = await fetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${EGRESS}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(ok.status).toBe(200);
      expect(new Uint8Array(await ok.arrayBuffer())).toEqual(png);
      const hostSecret = await fetch(url, { method: 'POST', headers: auth, body: JSON.stringify(body) });
      expect(hostSecret.status).toBe(401);
    } finally {
      await egress.close();
      await origin.close();
    }
  });
});
