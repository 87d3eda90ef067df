/**
 * The fake voice server against the real client (@discordjs/voice, as the voice host uses it) and a raw
 * WebSocket/UDP client: the handshake in both transport modes, media both ways (a person's real Opus
 * decrypted by the client; the bot's playback decrypted and decoded by the person), heartbeats with
 * seq_ack, resume after 4015 with buffered re-delivery, and every close code a client can earn.
 */
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import {
  createAudioPlayer,
  createAudioResource,
  EndBehaviorType,
  entersState,
  joinVoiceChannel,
  StreamType,
  type VoiceConnection,
  VoiceConnectionStatus,
} from '@discordjs/voice';
import { VoiceCloseCodes, VoiceOpcodes } from 'discord-api-types/voice/v8';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { FakeVoiceServer } from './fake-voice-server.ts';
import { ipDiscoveryRequest, parseIpDiscoveryResponse } from './voice-ip-discovery.ts';
import { directVoiceAdapter } from './voice-test-adapter.ts';
import { trustTestCa } from './voice-test-ca.ts';
import { tone, until } from './voice-test-signals.ts';
import { VOICE_ENCRYPTION_MODES } from './voice-transport-crypto.ts';

const GUILD = '800000000000000001';
const CHANNEL = '560000000000000002';
const BOT = { userId: '100000000000000001', sessionId: 'gateway-session-1' };
const PERSON = '300000000000000001';

/** `ms` of a 440 Hz tone (left) / 660 Hz (right), interleaved stereo s16 at 48 kHz. */
let server: FakeVoiceServer;
const connections: VoiceConnection[] = [];

function join(s: FakeVoiceServer, debug = false): VoiceConnection {
  const c = joinVoiceChannel({
    guildId: GUILD,
    channelId: CHANNEL,
    adapterCreator: directVoiceAdapter(s, BOT),
    selfDeaf: false,
    daveEncryption: false,
    debug,
  });
  c.on('error', () => undefined);
  connections.push(c);
  return c;
}

function networkingCode(c: VoiceConnection): number | undefined {
  const state = c.state as {
    networking?: { state: { code: number; connectionData?: { encryptionMode?: string } } };
  };
  return state.networking?.state.code;
}

beforeAll(async () => {
  server = await FakeVoiceServer.start({ heartbeatIntervalMs: 250 });
  trustTestCa(server.ca);
});

afterEach(() => {
  for (const c of connections.splice(0)) if (c.state.status !== VoiceConnectionStatus.Destroyed) c.destroy();
  for (const p of server.people(GUILD)) server.leave(p.userId);
  server.setFaults({});
});

afterAll(async () => {
  await server.stop();
});

describe('fake voice server with @discordjs/voice', () => {
  for (const mode of VOICE_ENCRYPTION_MODES) {
    it(`${mode}: handshake, IP discovery, a person's Opus reaches the client and the bot's reaches the person`, async () => {
      const only = await FakeVoiceServer.start({ modes: [mode], heartbeatIntervalMs: 250 });
      trustTestCa(only.ca);
      try {
        const discovered: number[] = [];
        only.on('ipDiscovery', (_ssrc, from) => discovered.push(from.port));
        const person = only.join(GUILD, PERSON);
        const c = join(only);
        await entersState(c, VoiceConnectionStatus.Ready, 10_000);
        const session = only.sessions()[0]!;
        expect(session.mode).toBe(mode);
        expect(discovered).toEqual([session.udp!.port]);
        const ops = only.received.map((p) => p.op);
        expect(ops.slice(0, 2)).toEqual([VoiceOpcodes.Identify, VoiceOpcodes.SelectProtocol]);

        // The person speaks: the client decrypts each packet (a wrong key or nonce would end the stream).
        const stream = c.receiver.subscribe(PERSON, { end: { behavior: EndBehaviorType.Manual } });
        const packets: Buffer[] = [];
        stream.on('data', (b: Buffer) => packets.push(b));
        const burst = await person.speak(tone(400), { paced: false });
        await until("the person's packets at the client", () => packets.length >= burst.frames + 5);
        expect(packets.slice(0, burst.frames).every((p) => p.length > 3)).toBe(true);

        // The bot plays 400 ms of tone: the person hears it, decrypted and decoded.
        const player = createAudioPlayer();
        c.subscribe(player);
        const pcm = tone(400);
        player.play(
          createAudioResource(Readable.from([Buffer.from(pcm.buffer)]), { inputType: StreamType.Raw }),
        );
        await until("the bot's audio at the person", () => (person.heard.get(BOT.userId)?.length ?? 0) >= 20);
        const heard = person.heardMono(BOT.userId);
        let energy = 0;
        for (const v of heard) energy += v * v;
        expect(Math.sqrt(energy / heard.length)).toBeGreaterThan(1_000);
        expect(only.decryptFailures).toBe(0);
        expect(person.decodeErrors).toBe(0);
        player.stop(true);
      } finally {
        for (const c of connections.splice(0)) c.destroy();
        await only.stop();
      }
    });
  }

  it('acknowledges heartbeats and reads seq_ack as the last numbered message the client saw', async () => {
    const c = join(server);
    await entersState(c, VoiceConnectionStatus.Ready, 10_000);
    const session = server.sessions().find((s) => s.grant.sessionId === BOT.sessionId)!;
    await until('a heartbeat acknowledging every numbered message', () =>
      server.received.some(
        (p) => p.op === VoiceOpcodes.Heartbeat && (p.d as { seq_ack: number }).seq_ack === session.seq,
      ),
    );
    expect(session.seqAck).toBe(session.seq);
  });

  it('after 4015 the client resumes with seq_ack and gets the messages it missed; audio flows again', async () => {
    const person = server.join(GUILD, PERSON);
    const c = join(server);
    await entersState(c, VoiceConnectionStatus.Ready, 10_000);
    const resumed = once(server, 'attached');
    server.crash();
    // While the socket is down, another person joins: CLIENTS_CONNECT is buffered and must be re-delivered.
    server.join(GUILD, '300000000000000002');
    const [session, wasResume] = await resumed;
    expect(wasResume).toBe(true);
    const resume = server.received.filter((p) => p.op === VoiceOpcodes.Resume).at(-1)!;
    expect(resume.d).toMatchObject({ server_id: GUILD, session_id: BOT.sessionId, token: '[redacted]' });
    await until('the client back to ready', () => networkingCode(c) === 4);
    const clients = (
      c.state as unknown as { networking: { state: { connectionData: { connectedClients: Set<string> } } } }
    ).networking.state.connectionData.connectedClients;
    expect([...clients].sort()).toEqual([PERSON, '300000000000000002']);
    expect(session.ended).toBe(false);

    const stream = c.receiver.subscribe(PERSON, { end: { behavior: EndBehaviorType.Manual } });
    let n = 0;
    stream.on('data', () => n++);
    await person.speak(tone(200), { paced: false });
    await until('audio after the resume', () => n >= 10);
  });

  it('4014 (kicked) is final: the client does not resume', async () => {
    const c = join(server);
    await entersState(c, VoiceConnectionStatus.Ready, 10_000);
    const resumes = () => server.received.filter((p) => p.op === VoiceOpcodes.Resume).length;
    const before = resumes();
    server.disconnect(BOT.sessionId, VoiceCloseCodes.Disconnected);
    await entersState(c, VoiceConnectionStatus.Disconnected, 5_000);
    expect((c.state as { closeCode?: number }).closeCode).toBe(4014);
    expect(resumes()).toBe(before);
    expect(server.session(BOT.sessionId)?.ended).toBe(true);
  });

  it('a person joining and leaving mid-call reaches the client as CLIENTS_CONNECT / CLIENT_DISCONNECT', async () => {
    const c = join(server);
    await entersState(c, VoiceConnectionStatus.Ready, 10_000);
    const clients = () =>
      (c.state as unknown as { networking: { state: { connectionData: { connectedClients: Set<string> } } } })
        .networking.state.connectionData.connectedClients;
    server.join(GUILD, PERSON);
    await until('connect', () => clients().has(PERSON));
    server.leave(PERSON);
    await until('disconnect', () => !clients().has(PERSON));
  });

  it('packet loss and reordering are injected as asked and counted', async () => {
    const person = server.join(GUILD, PERSON);
    const c = join(server);
    await entersState(c, VoiceConnectionStatus.Ready, 10_000);
    server.setFaults({ loss: 0.2, reorder: 0.2, seed: 7 });
    const before = { ...server.faults.counts };
    const stream = c.receiver.subscribe(PERSON, { end: { behavior: EndBehaviorType.Manual } });
    let n = 0;
    stream.on('data', () => n++);
    const burst = await person.speak(tone(1_000), { paced: false });
    const sent = server.faults.counts.sent - before.sent;
    const lost = server.faults.counts.lost - before.lost;
    expect(sent).toBe(burst.frames + 5);
    expect(lost).toBeGreaterThan(0);
    expect(server.faults.counts.reordered - before.reordered).toBeGreaterThan(0);
    await until('every packet not lost', () => n === sent - lost);
  });

  it('duplicates and jitter are injected as asked, counted, and every copy reaches the client', async () => {
    const person = server.join(GUILD, PERSON);
    const c = join(server);
    await entersState(c, VoiceConnectionStatus.Ready, 10_000);
    server.setFaults({ duplicate: 0.2, jitterMs: 30, seed: 9 });
    const before = { ...server.faults.counts };
    const stream = c.receiver.subscribe(PERSON, { end: { behavior: EndBehaviorType.Manual } });
    let n = 0;
    stream.on('data', () => n++);
    const burst = await person.speak(tone(1_000), { paced: false });
    const duplicated = server.faults.counts.duplicated - before.duplicated;
    expect(server.faults.counts.sent - before.sent).toBe(burst.frames + 5);
    expect(duplicated).toBeGreaterThan(0);
    expect(server.faults.counts.delayed - before.delayed).toBeGreaterThan(0);
    // A duplicate is the same sealed packet again: it decrypts, and the client sees it twice.
    await until('every packet and every copy', () => n === burst.frames + 5 + duplicated);
    expect(server.decryptFailures).toBe(0);
  });
});

/** A raw client: the TLS WebSocket alone, to earn each close code on purpose. */
async function raw(): Promise<{ ws: WebSocket; closed: Promise<number>; hello: Promise<unknown> }> {
  const ws = new WebSocket(`wss://${server.endpoint}?v=8`);
  const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
  const hello = new Promise((r) => ws.once('message', (m) => r(JSON.parse(String(m)))));
  await once(ws, 'open');
  return { ws, closed, hello };
}

function identify(token = 'tok-1', serverId = GUILD): string {
  return JSON.stringify({
    op: VoiceOpcodes.Identify,
    d: {
      server_id: serverId,
      user_id: BOT.userId,
      session_id: 'raw-session',
      token,
      max_dave_protocol_version: 0,
    },
  });
}

describe('fake voice server close codes', () => {
  beforeAll(() => {
    server.grant({
      guildId: GUILD,
      channelId: CHANNEL,
      userId: BOT.userId,
      sessionId: 'raw-session',
      token: 'tok-1',
    });
  });

  const cases: Array<[string, number, string[]]> = [
    ['an unknown opcode', VoiceCloseCodes.UnknownOpcode, [identify(), '{"op":99,"d":{}}']],
    ['a payload that is not JSON', VoiceCloseCodes.FailedToDecode, ['{nope']],
    [
      'a payload before IDENTIFY',
      VoiceCloseCodes.NotAuthenticated,
      ['{"op":5,"d":{"speaking":1,"delay":0,"ssrc":1}}'],
    ],
    ['a wrong token', VoiceCloseCodes.AuthenticationFailed, [identify('wrong')]],
    ['a second IDENTIFY', VoiceCloseCodes.AlreadyAuthenticated, [identify(), identify()]],
    [
      'a RESUME of an unknown session',
      VoiceCloseCodes.SessionNoLongerValid,
      [
        JSON.stringify({
          op: VoiceOpcodes.Resume,
          d: { server_id: GUILD, session_id: 'nobody', token: 'x', seq_ack: 1 },
        }),
      ],
    ],
    ['an unknown server', VoiceCloseCodes.ServerNotFound, [identify('tok-1', '999')]],
    [
      'a protocol other than udp',
      VoiceCloseCodes.UnknownProtocol,
      [
        identify(),
        JSON.stringify({
          op: 1,
          d: { protocol: 'tcp', data: { address: '127.0.0.1', port: 5, mode: 'aead_aes256_gcm_rtpsize' } },
        }),
      ],
    ],
    [
      'a legacy encryption mode',
      VoiceCloseCodes.UnknownEncryptionMode,
      [
        identify(),
        JSON.stringify({
          op: 1,
          d: { protocol: 'udp', data: { address: '127.0.0.1', port: 5, mode: 'xsalsa20_poly1305_lite' } },
        }),
      ],
    ],
    [
      'a malformed address',
      VoiceCloseCodes.BadRequest,
      [
        identify(),
        JSON.stringify({
          op: 1,
          d: { protocol: 'udp', data: { address: '127.0.0.1', port: 0, mode: 'aead_aes256_gcm_rtpsize' } },
        }),
      ],
    ],
  ];
  for (const [what, code, frames] of cases) {
    it(`closes ${code} for ${what}`, async () => {
      const { ws, closed } = await raw();
      for (const f of frames) ws.send(f);
      expect(await closed).toBe(code);
    });
  }

  it('closes 4009 when heartbeats stop', async () => {
    const { ws, closed, hello } = await raw();
    expect(await hello).toEqual({ op: VoiceOpcodes.Hello, d: { heartbeat_interval: 250 } });
    ws.send(identify());
    expect(await closed).toBe(VoiceCloseCodes.SessionTimeout);
  });

  it('closes 4017 when the channel requires DAVE and the client has none', async () => {
    const strict = await FakeVoiceServer.start({ daveRequired: true });
    trustTestCa(strict.ca);
    try {
      strict.grant({
        guildId: GUILD,
        channelId: CHANNEL,
        userId: BOT.userId,
        sessionId: 'raw-session',
        token: 'tok-1',
      });
      const ws = new WebSocket(`wss://${strict.endpoint}?v=8`);
      const closed = new Promise<number>((r) => ws.once('close', (c) => r(c)));
      await once(ws, 'open');
      ws.send(identify());
      expect(await closed).toBe(VoiceCloseCodes.EndToEndEncryptionDAVEProtocolRequired);
    } finally {
      await strict.stop();
    }
  });

  it('answers UDP IP discovery with the address and port the request came from', async () => {
    const udp = createSocket('udp4');
    await new Promise<void>((r) => udp.bind(0, '127.0.0.1', () => r()));
    try {
      const reply = once(udp, 'message');
      udp.send(ipDiscoveryRequest(0xdeadbeef), server.udpPort, '127.0.0.1');
      const [msg] = (await reply) as [Buffer];
      expect(msg.length).toBe(74);
      expect(parseIpDiscoveryResponse(msg)).toEqual({
        ssrc: 0xdeadbeef,
        address: '127.0.0.1',
        port: udp.address().port,
      });
    } finally {
      udp.close();
    }
  });
});
