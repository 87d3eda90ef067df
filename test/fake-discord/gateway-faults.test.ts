/** Scripted gateway behaviour and refusals: op 7, op 9, close codes, drops, limits, intents, voice. */
import { once } from 'node:events';
import { GatewayIntentBits } from 'discord-api-types/v10';
import { afterEach, describe, expect, it } from 'vitest';
import type { FakeDiscord } from './fake-discord-rest.ts';
import { GatewayTestClient } from './gateway-test-client.ts';
import type { TestClock } from './rest-test-client.ts';
import { call, startTestFake, TEST_BOT, TEST_TOKEN } from './rest-test-client.ts';

const GUILD = '560000000000000001';
const VOICE_CHANNEL = '560000000000000002';

describe('scripted gateway behaviour', () => {
  let fake: FakeDiscord;
  const clients: GatewayTestClient[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await fake.stop();
  });

  async function identify(intents = 513) {
    const { client, ready } = await GatewayTestClient.ready(fake.gatewayUrl, TEST_TOKEN, intents);
    clients.push(client);
    return { client, sessionId: (ready.d as { session_id: string }).session_id };
  }

  async function resume(sessionId: string, seq: number) {
    const client = await GatewayTestClient.connect(fake.gatewayUrl);
    clients.push(client);
    await client.next();
    client.send(6, { token: TEST_TOKEN, session_id: sessionId, seq });
    return client;
  }

  it('sends op 7 RECONNECT, after which the client can resume', async () => {
    ({ fake } = await startTestFake());
    const { client, sessionId } = await identify();
    fake.gateway.reconnect(sessionId);
    expect(await client.next()).toEqual({ op: 7, d: null, s: null, t: null });
    await client.close(4900);
    expect(await (await resume(sessionId, 1)).next()).toMatchObject({ t: 'RESUMED', s: 2 });
  });

  it('sends op 9 d:true (still resumable) and d:false (session over)', async () => {
    ({ fake } = await startTestFake());
    const { client, sessionId } = await identify();
    fake.gateway.invalidSession(sessionId, true);
    expect(await client.next()).toMatchObject({ op: 9, d: true });
    expect(fake.gateway.sessions()[0]?.resumable).toBe(true);
    fake.gateway.invalidSession(sessionId, false);
    expect(await client.next()).toMatchObject({ op: 9, d: false });
    await client.close(4900);
    expect(await (await resume(sessionId, 1)).next()).toMatchObject({ op: 9, d: false });
  });

  it("closes with Discord's reasons; resumable codes keep the session, others end it", async () => {
    ({ fake } = await startTestFake());
    const first = await identify();
    fake.gateway.close(first.sessionId, 4000);
    expect(await first.client.closed).toEqual({ code: 4000, reason: 'Unknown error.' });
    expect(fake.gateway.sessions()[0]?.resumable).toBe(true);
    const second = await identify();
    fake.gateway.close(second.sessionId, 4012);
    expect(await second.client.closed).toEqual({ code: 4012, reason: 'Invalid API version.' });
    expect(fake.gateway.sessions()[1]?.resumable).toBe(false);
  });

  it('drops the TCP connection or closes without a code, leaving the session resumable', async () => {
    ({ fake } = await startTestFake());
    const dropped = await identify();
    fake.gateway.drop(dropped.sessionId);
    expect((await dropped.client.closed).code).toBe(1006);
    const silent = await identify();
    fake.gateway.closeWithoutCode(silent.sessionId);
    expect((await silent.client.closed).code).toBe(1005);
    expect(fake.gateway.sessions().map((s) => s.resumable)).toEqual([true, true]);
  });

  it('runs the same actions from POST /__fake/gateway', async () => {
    ({ fake } = await startTestFake());
    const { client, sessionId } = await identify();
    await call(fake, 'POST', '/__fake/gateway', {
      body: { action: 'dispatch', session_id: sessionId, event: 'X', data: 1 },
    });
    expect(await client.next()).toMatchObject({ t: 'X', s: 2, d: 1 });
    await call(fake, 'POST', '/__fake/gateway', { body: { action: 'close', code: 4009 } });
    expect(await client.closed).toEqual({ code: 4009, reason: 'Session timed out.' });
  });
});

describe('gateway refusals', () => {
  let fake: FakeDiscord;
  let clock: TestClock;
  afterEach(() => fake.stop());

  async function identifyWith(d: Record<string, unknown>, query?: string) {
    const client = await GatewayTestClient.connect(fake.gatewayUrl, query);
    await client.next();
    client.send(2, { token: TEST_TOKEN, intents: 513, properties: {}, ...d });
    return client.closed;
  }

  it('closes 4004 on a bad token', async () => {
    ({ fake, clock } = await startTestFake());
    expect(await identifyWith({ token: 'nope' })).toEqual({ code: 4004, reason: 'Authentication failed.' });
  });

  it('closes 4014 for a privileged intent the application has not enabled, 4013 for unknown bits', async () => {
    ({ fake, clock } = await startTestFake({ gateway: { privilegedIntents: { messageContent: false } } }));
    const content = GatewayIntentBits.GuildMessages | GatewayIntentBits.MessageContent;
    expect(await identifyWith({ intents: content })).toEqual({ code: 4014, reason: 'Disallowed intent(s).' });
    expect(await identifyWith({ intents: 1 << 30 })).toEqual({ code: 4013, reason: 'Invalid intent(s).' });
  });

  it('closes 4010 for an impossible shard and 4012 for another API version', async () => {
    ({ fake, clock } = await startTestFake());
    expect((await identifyWith({ shard: [1, 1] })).code).toBe(4010);
    const old = await GatewayTestClient.connect(fake.gatewayUrl, '?v=9&encoding=json');
    expect(await old.closed).toEqual({ code: 4012, reason: 'Invalid API version.' });
  });

  it('closes 4003 before IDENTIFY, 4001 on unknown opcodes, 4002 on bad JSON, 4005 on a second IDENTIFY', async () => {
    ({ fake, clock } = await startTestFake());
    const early = await GatewayTestClient.connect(fake.gatewayUrl);
    early.send(4, { guild_id: GUILD, channel_id: null, self_mute: false, self_deaf: false });
    expect((await early.closed).code).toBe(4003);
    const { client: unknown } = await GatewayTestClient.ready(fake.gatewayUrl, TEST_TOKEN);
    unknown.send(99, null);
    expect((await unknown.closed).code).toBe(4001);
    const garbled = await GatewayTestClient.connect(fake.gatewayUrl);
    garbled.sendRaw('{not json');
    expect((await garbled.closed).code).toBe(4002);
    const { client: twice } = await GatewayTestClient.ready(fake.gatewayUrl, TEST_TOKEN);
    twice.send(2, { token: TEST_TOKEN, intents: 513, properties: {} });
    expect((await twice.closed).code).toBe(4005);
  });

  it('closes 4008 on the 121st payload in 60 s, counting per window', async () => {
    ({ fake, clock } = await startTestFake());
    const { client } = await GatewayTestClient.ready(fake.gatewayUrl, TEST_TOKEN);
    for (let i = 0; i < 119; i++) client.send(1, 1);
    expect((await client.take(119)).every((f) => f.op === 11)).toBe(true);
    clock.advance(60_000);
    for (let i = 0; i < 120; i++) client.send(1, 1);
    expect((await client.take(120)).every((f) => f.op === 11)).toBe(true);
    client.send(1, 1);
    expect(await client.closed).toEqual({ code: 4008, reason: 'Rate limited.' });
  });
});

describe('voice state updates', () => {
  let fake: FakeDiscord;
  afterEach(() => fake.stop());

  it('answers op 4 with VOICE_STATE_UPDATE and VOICE_SERVER_UPDATE, and a leave with the state only', async () => {
    ({ fake } = await startTestFake({ gateway: { voiceEndpoint: 'voice.test:443' } }));
    const { client, ready } = await GatewayTestClient.ready(
      fake.gatewayUrl,
      TEST_TOKEN,
      GatewayIntentBits.GuildVoiceStates,
    );
    const sessionId = (ready.d as { session_id: string }).session_id;
    const received = once(fake.gateway.events, 'payload');
    client.send(4, { guild_id: GUILD, channel_id: VOICE_CHANNEL, self_mute: false, self_deaf: true });
    const state = await client.next();
    const server = await client.next();
    expect(state).toMatchObject({ t: 'VOICE_STATE_UPDATE', s: 2 });
    expect(state.d).toMatchObject({
      guild_id: GUILD,
      channel_id: VOICE_CHANNEL,
      user_id: TEST_BOT.botUserId,
      session_id: sessionId,
      self_deaf: true,
      self_mute: false,
    });
    expect(server).toMatchObject({
      t: 'VOICE_SERVER_UPDATE',
      s: 3,
      d: { guild_id: GUILD, endpoint: 'voice.test:443' },
    });
    expect((server.d as { token: string }).token).toMatch(/^[0-9a-f]{16}$/);
    expect((await received)[0]).toMatchObject({
      op: 4,
      session_id: sessionId,
      d: { channel_id: VOICE_CHANNEL },
    });

    client.send(4, { guild_id: GUILD, channel_id: null, self_mute: false, self_deaf: false });
    expect(await client.next()).toMatchObject({ t: 'VOICE_STATE_UPDATE', d: { channel_id: null } });
    client.send(1, 3);
    expect((await client.next()).op).toBe(11);
    await client.close();
  });
});
