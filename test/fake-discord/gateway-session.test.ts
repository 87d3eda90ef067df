/** Gateway lifecycle: HELLO, IDENTIFY → READY, heartbeats, dispatch sequence, RESUME replay, echoes. */
import { once } from 'node:events';
import { GatewayIntentBits } from 'discord-api-types/v10';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FakeDiscord } from './fake-discord-rest.ts';
import type { GatewayFrame } from './gateway-test-client.ts';
import { GatewayTestClient } from './gateway-test-client.ts';
import { call, startTestFake, TEST_BOT, TEST_TOKEN } from './rest-test-client.ts';

const CHANNEL = '550000000000000001';

function sessionIdOf(ready: GatewayFrame): string {
  return (ready.d as { session_id: string }).session_id;
}

describe('gateway sessions', () => {
  let fake: FakeDiscord;
  const clients: GatewayTestClient[] = [];
  beforeEach(async () => {
    ({ fake } = await startTestFake({ gateway: { heartbeatIntervalMs: 1234 } }));
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await fake.stop();
  });

  async function identify(intents = GatewayIntentBits.Guilds | GatewayIntentBits.GuildMessages) {
    const { client, ready } = await GatewayTestClient.ready(fake.gatewayUrl, TEST_TOKEN, intents);
    clients.push(client);
    return { client, ready, sessionId: sessionIdOf(ready) };
  }

  it('says HELLO, then answers IDENTIFY with READY as sequence 1', async () => {
    const client = await GatewayTestClient.connect(fake.gatewayUrl);
    clients.push(client);
    expect(await client.next()).toEqual({ op: 10, d: { heartbeat_interval: 1234 }, s: null, t: null });
    client.send(2, {
      token: TEST_TOKEN,
      intents: 513,
      properties: { os: 'linux', browser: 'x', device: 'x' },
    });
    const ready = await client.next();
    expect(ready).toMatchObject({ op: 0, t: 'READY', s: 1 });
    expect(ready.d).toMatchObject({
      v: 10,
      user: { id: TEST_BOT.botUserId, bot: true },
      shard: [0, 1],
      application: { id: TEST_BOT.applicationId },
      resume_gateway_url: `ws://127.0.0.1:${fake.port}/gateway-resume`,
    });
    const [identifyPayload] = fake.gateway.received();
    expect(identifyPayload).toMatchObject({ op: 2, d: { token: '[redacted]', intents: 513 } });
    expect(fake.gateway.sessions()).toMatchObject([
      { session_id: sessionIdOf(ready), seq: 1, connected: true },
    ]);
  });

  it('acknowledges heartbeats, and asks for one with op 1', async () => {
    const { client, sessionId } = await identify();
    client.send(1, 1);
    expect(await client.next()).toEqual({ op: 11, d: null, s: null, t: null });
    fake.gateway.requestHeartbeat(sessionId);
    expect(await client.next()).toEqual({ op: 1, d: 1, s: null, t: null });
  });

  it('withholds heartbeat ACKs when told to', async () => {
    const { client, sessionId } = await identify();
    fake.gateway.withholdHeartbeatAcks(sessionId, 1);
    client.send(1, 1);
    client.send(1, 1);
    expect((await client.next()).op).toBe(11);
    fake.gateway.dispatch(sessionId, 'TYPING_START', { channel_id: CHANNEL });
    // The dispatch comes straight after the single ACK: the first heartbeat went unanswered.
    expect(await client.next()).toMatchObject({ op: 0, t: 'TYPING_START' });
  });

  it('numbers dispatches consecutively per session', async () => {
    const { client, sessionId } = await identify();
    const seqs = [1, 2, 3].flatMap((i) => fake.gateway.dispatch(sessionId, 'TYPING_START', { i }));
    expect(seqs).toEqual([2, 3, 4]);
    expect((await client.take(3)).map((f) => [f.s, f.t])).toEqual([
      [2, 'TYPING_START'],
      [3, 'TYPING_START'],
      [4, 'TYPING_START'],
    ]);
  });

  it('queues events while the client is away and replays them on RESUME without gaps', async () => {
    const { client, sessionId } = await identify();
    fake.gateway.dispatch(sessionId, 'TYPING_START', { n: 'seen' });
    expect((await client.next()).s).toBe(2);
    const gone = once(fake.gateway.events, 'disconnect');
    await client.close(4900);
    await gone;
    for (const n of ['a', 'b', 'c']) fake.gateway.dispatch(sessionId, 'TYPING_START', { n });
    expect(fake.gateway.sessions()[0]).toMatchObject({
      connected: false,
      seq: 5,
      pending: 3,
      resumable: true,
    });

    const resumed = await GatewayTestClient.connect(`ws://127.0.0.1:${fake.port}/gateway-resume`);
    clients.push(resumed);
    await resumed.next();
    resumed.send(6, { token: TEST_TOKEN, session_id: sessionId, seq: 2 });
    const frames = await resumed.take(4);
    expect(frames.map((f) => [f.s, f.t, f.d])).toEqual([
      [3, 'TYPING_START', { n: 'a' }],
      [4, 'TYPING_START', { n: 'b' }],
      [5, 'TYPING_START', { n: 'c' }],
      [6, 'RESUMED', {}],
    ]);
    expect(fake.gateway.sessions()[0]).toMatchObject({ connected: true, pending: 0 });
  });

  it('answers RESUME of an unknown session with op 9 d:false, then accepts IDENTIFY', async () => {
    const client = await GatewayTestClient.connect(fake.gatewayUrl);
    clients.push(client);
    await client.next();
    client.send(6, { token: TEST_TOKEN, session_id: 'no-such-session', seq: 3 });
    expect(await client.next()).toEqual({ op: 9, d: false, s: null, t: null });
    client.send(2, { token: TEST_TOKEN, intents: 0, properties: {} });
    expect(await client.next()).toMatchObject({ t: 'READY', s: 1 });
  });

  it('closes 4007 on a RESUME from a sequence the session never reached', async () => {
    const { client, sessionId } = await identify();
    await client.close(4900);
    const next = await GatewayTestClient.connect(fake.gatewayUrl);
    await next.next();
    next.send(6, { token: TEST_TOKEN, session_id: sessionId, seq: 99 });
    expect(await next.closed).toEqual({ code: 4007, reason: 'Invalid seq.' });
  });

  it('ends the session when the client closes with 1000', async () => {
    const { client, sessionId } = await identify();
    const gone = once(fake.gateway.events, 'disconnect');
    await client.close(1000);
    await gone;
    expect(fake.gateway.sessions()[0]?.resumable).toBe(false);
    const next = await GatewayTestClient.connect(fake.gatewayUrl);
    clients.push(next);
    await next.next();
    next.send(6, { token: TEST_TOKEN, session_id: sessionId, seq: 1 });
    expect(await next.next()).toMatchObject({ op: 9, d: false });
  });

  it('echoes REST messages as MESSAGE_CREATE to sessions with the message intent', async () => {
    const { client } = await identify();
    const { client: deaf } = await identify(GatewayIntentBits.Guilds);
    await call(fake, 'POST', `/channels/${CHANNEL}/messages`, { body: { content: 'echo' } });
    const event = await client.next();
    expect(event).toMatchObject({ op: 0, t: 'MESSAGE_CREATE', s: 2 });
    expect(event.d).toMatchObject({
      content: 'echo',
      channel_id: CHANNEL,
      guild_id: fake.state.defaultGuildId,
    });
    deaf.send(1, 1);
    expect((await deaf.next()).op).toBe(11);
  });

  it('blanks other users’ message content for sessions without MESSAGE_CONTENT', async () => {
    const { client: blind } = await identify(GatewayIntentBits.GuildMessages);
    const { client: seeing } = await identify(
      GatewayIntentBits.GuildMessages | GatewayIntentBits.MessageContent,
    );
    await call(fake, 'POST', '/__fake/gateway', {
      body: {
        action: 'message_create',
        channel_id: CHANNEL,
        content: 'secret',
        author_id: '700000000000000009',
      },
    });
    expect((await blind.next()).d).toMatchObject({ content: '', author: { id: '700000000000000009' } });
    expect((await seeing.next()).d).toMatchObject({ content: 'secret' });
    expect(fake.state.messages(CHANNEL)[0]?.content).toBe('secret');
  });
});
