/**
 * The voice relay against the fake gateway, inside workerd: the test is the voice host. It opens the
 * control WebSocket through the access Worker's route, a `voice.control.join` goes through the access
 * queue (discord-voice agent → VoiceHostLink → session.join down the connection), the host's op 4 goes
 * through the relay route to the tenant's GatewaySession and on to the fake gateway, and the fake's
 * VOICE_STATE_UPDATE / VOICE_SERVER_UPDATE come back down the control connection.
 */
import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import {
  VoiceControlJoin,
  VoiceControlLeave,
  VoiceStateSpeaking,
} from '@promethean/schemas/voice/voice-messages';
import { ControlToHost } from '@promethean/schemas/voice/voice-relay';
import { createEnvelope } from '@promethean/shared/agent/envelope-factory';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayHealth } from '../../../durable-objects/objects/gateway-session.ts';
import type { HostLinkStatus } from '../../../durable-objects/objects/voice-host-link.ts';
import AccessWorker from '../../../durable-objects/src/index.ts';
import { FAKE_BOT_USERS } from './fake-bot-credentials.ts';
import { fakeDiscord } from './fake-discord-client.ts';
import { VOICE_HOST_TEST_SECRET } from './voice-host-test-secret.ts';

const GUILD = '800000000000000001';
const VOICE_CHANNEL = '560000000000000002';
const SESSION = 'discord-duck-800000000000000001';
const auth = { authorization: `Bearer ${VOICE_HOST_TEST_SECRET}` };

/** The test's side of the control connection: every message the access layer sent, parsed. */
class TestHost {
  readonly received: ControlToHost[] = [];
  readonly #waiters: Array<() => void> = [];

  constructor(readonly ws: WebSocket) {
    ws.accept();
    ws.addEventListener('message', (event) => {
      this.received.push(ControlToHost.parse(JSON.parse(String(event.data))));
      for (const w of this.#waiters.splice(0)) w();
    });
  }

  send(message: unknown): void {
    this.ws.send(JSON.stringify(message));
  }

  /** Resolves with the first received message matching `ok`, waiting for messages (bounded). */
  async next<T extends ControlToHost>(
    what: string,
    ok: (m: ControlToHost) => m is T,
    timeoutMs = 8_000,
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received.find(ok);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${what} reached the host; got ${JSON.stringify(this.received)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}

async function connectHost(query = 'provider=discord&tenant=duck', headers: Record<string, string> = auth) {
  return exports.default.fetch(`http://access.test/voice-host/connect?${query}`, {
    headers: { upgrade: 'websocket', 'x-voice-host-id': 'test-host', ...headers },
  });
}

async function until<T>(what: string, probe: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 8_000) {
  const deadline = Date.now() + timeoutMs;
  let last = await probe();
  while (!ok(last)) {
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 20));
    last = await probe();
  }
  return last;
}

async function throughAccessQueue(envelope: unknown, id: string): Promise<void> {
  const batch = createMessageBatch('promethean-access-commands', [
    { id, timestamp: new Date(), attempts: 1, body: { v: 1, envelope } },
  ]);
  const ctx = createExecutionContext();
  await new AccessWorker(ctx, env).queue(batch);
  const result = await getQueueResult(batch, ctx);
  expect(result.explicitAcks).toEqual([id]);
}

const link = () => env.VOICE_HOST_LINK.get(env.VOICE_HOST_LINK.idFromName('discord:duck'));
const gateway = () => env.GATEWAY_SESSION.get(env.GATEWAY_SESSION.idFromName('duck:0'));

describe('voice host routes', () => {
  it('refuses a missing or wrong secret, a plain GET and an unknown tenant', async () => {
    expect((await connectHost(undefined, {})).status).toBe(401);
    expect((await connectHost(undefined, { authorization: 'Bearer not-the-secret-at-all' })).status).toBe(
      401,
    );
    const plain = await exports.default.fetch('http://access.test/voice-host/connect?tenant=duck', {
      headers: auth,
    });
    expect(plain.status).toBe(426);
    expect((await connectHost('provider=discord&tenant=ghost')).status).toBe(404);
    expect((await connectHost('provider=echo&tenant=demo')).status).toBe(404);
  });

  it('answers a malformed relay request with 400 and the problems', async () => {
    const res = await exports.default.fetch('http://access.test/voice-host/relay', {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ provider: 'discord', tenant: 'duck', payload: { op: 2, d: {} } }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { reason: string }).reason).toMatch(/payload\.op/);
  });
});

describe('VoiceHostLink against the fake gateway', () => {
  let host: TestHost;

  beforeAll(async () => {
    await gateway().start('duck', 0);
    await until(
      'READY',
      () => gateway().health() as Promise<GatewayHealth>,
      (h) => h.status === 'ready' && h.connected,
    );
    const res = await connectHost();
    expect(res.status).toBe(101);
    host = new TestHost(res.webSocket!);
    host.send({ type: 'hello', host_id: 'test-host', version: '0.1.0', sessions: [] });
  });
  afterAll(async () => {
    host?.ws.close(1000, 'test done');
    await gateway().stop();
  });

  it('carries a join from the access queue to the host, op 4 to the gateway, and the voice updates back', async () => {
    const join = createEnvelope(
      VoiceControlJoin,
      { session_id: SESSION, guild_id: GUILD, channel_id: VOICE_CHANNEL, self_deaf: false },
      { src: 'voice-commands', provider: 'discord', tenant: 'duck' },
    );
    await throughAccessQueue(join, 'join-1');
    const sessionJoin = await host.next(
      'session.join',
      (m): m is Extract<ControlToHost, { type: 'session.join' }> => m.type === 'session.join',
    );
    expect(sessionJoin).toMatchObject({
      provider: 'discord',
      tenant: 'duck',
      payload: { session_id: SESSION, channel_id: VOICE_CHANNEL },
    });

    // What @discordjs/voice's adapter sends for a join, through the relay route.
    const relay = await exports.default.fetch('http://access.test/voice-host/relay', {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({
        provider: 'discord',
        tenant: 'duck',
        payload: {
          op: 4,
          d: { guild_id: GUILD, channel_id: VOICE_CHANNEL, self_mute: false, self_deaf: false },
        },
      }),
    });
    expect(await relay.json()).toEqual({ ok: true });
    const { session_id: gatewaySessionId } = (await gateway().health()) as GatewayHealth;
    const received = await until(
      'op 4 at the fake gateway',
      async () => (await fakeDiscord.gateway()).received,
      (r) => r.some((p) => p.op === 4 && p.session_id === gatewaySessionId),
    );
    expect(received.find((p) => p.op === 4 && p.session_id === gatewaySessionId)?.d).toEqual({
      guild_id: GUILD,
      channel_id: VOICE_CHANNEL,
      self_mute: false,
      self_deaf: false,
    });

    const state = await host.next(
      'voice.state_update',
      (m): m is Extract<ControlToHost, { type: 'voice.state_update' }> => m.type === 'voice.state_update',
    );
    expect(state.d).toMatchObject({
      guild_id: GUILD,
      channel_id: VOICE_CHANNEL,
      user_id: FAKE_BOT_USERS.duck,
    });
    expect(state.d.session_id).toBe(gatewaySessionId);
    const server = await host.next(
      'voice.server_update',
      (m): m is Extract<ControlToHost, { type: 'voice.server_update' }> => m.type === 'voice.server_update',
    );
    expect(server.d).toMatchObject({ guild_id: GUILD });
    expect(server.d.token).toMatch(/^[0-9a-f]{16}$/);
  });

  it('forwards only the bot’s own voice state, not other members’', async () => {
    const { session_id } = (await gateway().health()) as GatewayHealth;
    const before = (await link().status()) as HostLinkStatus;
    await fakeDiscord.gatewayAction({
      action: 'dispatch',
      session_id,
      event: 'VOICE_STATE_UPDATE',
      data: {
        guild_id: GUILD,
        channel_id: VOICE_CHANNEL,
        user_id: '300000000000000001',
        session_id: 'someone-else',
        deaf: false,
        mute: false,
        self_deaf: false,
        self_mute: false,
        self_video: false,
        suppress: false,
        request_to_speak_timestamp: null,
      },
    });
    // A dispatch published after it proves the gateway handled it (dispatches are handled in order).
    const seqs = (await fakeDiscord.gatewayAction({
      action: 'dispatch',
      session_id,
      event: 'MESSAGE_CREATE',
      data: {
        id: '1300000000000000999',
        channel_id: '700000000000000001',
        guild_id: GUILD,
        author: { id: '300000000000000001', username: 'ada', global_name: null },
        content: 'after',
        timestamp: '2026-11-20T10:00:00.000000+00:00',
        edited_timestamp: null,
        mentions: [],
        mention_roles: [],
        mention_everyone: false,
        attachments: [],
      },
    })) as { seqs: number[] };
    await until(
      'dispatch handled',
      () => gateway().health() as Promise<GatewayHealth>,
      (h) => (h.seq ?? 0) >= seqs.seqs[0]!,
    );
    const after = (await link().status()) as HostLinkStatus;
    expect(after.voice_updates).toBe(before.voice_updates);
    expect(
      host.received.filter((m) => m.type === 'voice.state_update' && m.d.user_id !== FAKE_BOT_USERS.duck),
    ).toEqual([]);
  });

  it('publishes the host’s events for its own tenant and refuses others', async () => {
    const before = (await link().status()) as HostLinkStatus;
    const speaking = createEnvelope(
      VoiceStateSpeaking,
      { session_id: SESSION, user_id: '300000000000000001', speaking: true },
      { src: 'voice-host', provider: 'discord', tenant: 'duck' },
    );
    const foreign = createEnvelope(
      VoiceStateSpeaking,
      { session_id: SESSION, user_id: '300000000000000001', speaking: true },
      { src: 'voice-host', provider: 'discord', tenant: 'goose' },
    );
    host.send({ type: 'event', envelope: speaking });
    host.send({ type: 'event', envelope: foreign });
    const after = await until(
      'events handled',
      () => link().status() as Promise<HostLinkStatus>,
      (s) => s.published + s.refused >= before.published + before.refused + 2,
    );
    expect(after.published).toBe(before.published + 1);
    expect(after.refused).toBe(before.refused + 1);
  });

  it('re-sends wanted sessions when a host reconnects without them, and a leave forgets them', async () => {
    const res = await connectHost();
    const again = new TestHost(res.webSocket!);
    again.send({ type: 'hello', host_id: 'test-host', version: '0.1.0', sessions: [] });
    const rejoin = await again.next(
      'session.join',
      (m): m is Extract<ControlToHost, { type: 'session.join' }> => m.type === 'session.join',
    );
    expect(rejoin.payload.session_id).toBe(SESSION);
    const leave = createEnvelope(
      VoiceControlLeave,
      { session_id: SESSION, guild_id: GUILD },
      { src: 'voice-commands', provider: 'discord', tenant: 'duck' },
    );
    await throughAccessQueue(leave, 'leave-1');
    await again.next(
      'session.leave',
      (m): m is Extract<ControlToHost, { type: 'session.leave' }> => m.type === 'session.leave',
    );
    expect(((await link().status()) as HostLinkStatus).sessions).toEqual({});
    host = again;
  });
});
