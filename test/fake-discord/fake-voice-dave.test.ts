/**
 * DAVE on the fake voice server: the server as MLS external sender (ops 25–30) with participants that
 * run real MLS (@snazzah/davey): a group founded, members added and removed by external proposals, each
 * change a new epoch, and end-to-end encrypted media both ways with the real client (@discordjs/voice)
 * across a join and a leave mid-call.
 */
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
import { VoiceOpcodes } from 'discord-api-types/voice/v8';
import { afterEach, describe, expect, it } from 'vitest';
import { DaveExternalSender } from './dave-external-sender.ts';
import { isDaveFrame } from './dave-frame.ts';
import { DaveGroupRelay } from './dave-group-relay.ts';
import { FakeDaveParticipant } from './fake-dave-participant.ts';
import { FakeVoiceServer } from './fake-voice-server.ts';
import { MlsDecodeError, splitCommitWelcome } from './mls-wire.ts';
import { directVoiceAdapter } from './voice-test-adapter.ts';
import { trustTestCa } from './voice-test-ca.ts';
import { tone, until } from './voice-test-signals.ts';

const GUILD = '800000000000000011';
const CHANNEL = '560000000000000012';
const BOT = { userId: '100000000000000011', sessionId: 'gateway-session-dave' };
const ALICE = '300000000000000011';
const BOB = '300000000000000012';

/** Participants wired to a relay in-process, replies a turn later (as the server does for people). */
function groupOf(relay: DaveGroupRelay, ids: string[]): Map<string, FakeDaveParticipant> {
  const members = new Map<string, FakeDaveParticipant>();
  const later = (f: () => void) => setImmediate(f);
  for (const id of ids) {
    const p = new FakeDaveParticipant(id, relay.channelId, {
      keyPackage: (u, kp) => later(() => relay.keyPackage(u, kp)),
      commitWelcome: (u, c) => later(() => relay.commitWelcome(u, c)),
      transitionReady: (u, t) => later(() => relay.transitionReady(u, t)),
      recognizedUserIds: () => [...members.keys()],
    });
    members.set(id, p);
    relay.join(p);
  }
  return members;
}

const OPUS = Buffer.from([0x78, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07]);

describe('DAVE group relay (external sender) with davey participants', () => {
  it('founds a group, adds and removes by external proposals, one epoch per commit, leaves as MLS assigns them', async () => {
    const relay = new DaveGroupRelay(CHANNEL, new DaveExternalSender());
    const members = groupOf(relay, ['111', '222', '333']);
    const all = () => [...members.values()];
    await until('all three in one group', () => all().every((p) => p.ready && p.epoch === relay.epoch));
    // Founded by one commit adding the other two (or by two rounds when key packages straggle).
    expect(relay.epoch).toBeGreaterThanOrEqual(1n);
    for (const p of all()) expect(relay.leaves[p.ownLeafIndex!]).toBe(p.userId);
    const [a, b, c] = all() as [FakeDaveParticipant, FakeDaveParticipant, FakeDaveParticipant];
    const frame = a.encrypt(OPUS);
    expect(frame.equals(OPUS)).toBe(false);
    expect(frame.readUInt16BE(frame.length - 2)).toBe(0xfafa); // DAVE's magic marker ends every protected frame
    expect(b.decrypt('111', frame)?.equals(OPUS)).toBe(true);
    expect(c.decrypt('111', frame)?.equals(OPUS)).toBe(true);

    const before = relay.epoch;
    relay.leave('222');
    await until('remove committed', () => relay.epoch === before + 1n && a.epoch === relay.epoch);
    await until('c at the new epoch', () => c.epoch === relay.epoch);
    expect(relay.leaves.filter((u) => u !== null).sort()).toEqual(['111', '333']);
    expect(a.decrypt('333', c.encrypt(OPUS))?.equals(OPUS)).toBe(true);

    const late = groupOf(relay, ['444']).get('444')!;
    members.set('444', late);
    await until('late joiner welcomed', () => late.ready && late.epoch === relay.epoch);
    expect(relay.epoch).toBe(before + 2n);
    // The new member takes the blank leaf the removed one left.
    expect(late.ownLeafIndex).toBe(relay.leaves.indexOf('444'));
    expect(late.decrypt('111', a.encrypt(OPUS))?.equals(OPUS)).toBe(true);
    expect(a.decrypt('444', late.encrypt(OPUS))?.equals(OPUS)).toBe(true);
    expect(relay.rejectedCommits).toBeGreaterThanOrEqual(0);
    for (const p of all()) expect(p.invalidTransitions).toBe(0);
  });

  it('downgrades to version 0 and upgrades to a new group, also when the upgrade comes before everyone was ready', async () => {
    const relay = new DaveGroupRelay(CHANNEL, new DaveExternalSender());
    const members = groupOf(relay, ['111', '222', '333']);
    const all = () => [...members.values()];
    await until('all three in one group', () => all().every((p) => p.ready && p.epoch === relay.epoch));
    const [a, b] = all() as [FakeDaveParticipant, FakeDaveParticipant];

    relay.downgrade();
    expect(relay.phase).toBe('downgrading');
    // Until op 22, senders stay E2EE; receivers already accept clear frames.
    expect(isDaveFrame(a.encrypt(OPUS))).toBe(true);
    expect(b.decrypt('111', OPUS)?.equals(OPUS)).toBe(true);
    await until('the downgrade executed', () => relay.phase === 'plain');
    expect(relay.protocolVersion).toBe(0);
    expect(relay.leaves).toEqual([]);
    for (const p of all()) expect(p.protocolVersion).toBe(0);
    expect(a.encrypt(OPUS).equals(OPUS)).toBe(true);

    const round = async () => {
      relay.upgrade();
      expect(relay.phase).toBe('upgrading');
      // Re-initialised: clear until the new group's transition executes.
      expect(a.encrypt(OPUS).equals(OPUS)).toBe(true);
      await until('the upgrade executed', () => relay.phase === 'e2ee' && all().every((p) => p.ready));
      await until('everyone in the new group', () => all().every((p) => p.epoch === relay.epoch));
      for (const p of all()) expect(p.protocolVersion).toBe(1);
      const frame = a.encrypt(OPUS);
      expect(isDaveFrame(frame)).toBe(true);
      expect(b.decrypt('111', frame)?.equals(OPUS)).toBe(true);
    };
    await round();
    expect(relay.versionTransitions).toBe(2);

    // Straight back up while the next downgrade still waits for op 23: it is executed first, then upgraded.
    relay.downgrade();
    await round();
    expect(relay.versionTransitions).toBe(4);
    for (const p of all()) {
      expect(p.pendingTransitions).toBe(0);
      expect(p.decryptFailures).toBe(0);
      expect(p.invalidTransitions).toBe(0);
    }
  });

  it('refuses an op 28 that is not a commit', () => {
    expect(() => splitCommitWelcome(Buffer.from([0, 1, 0, 1, 8]))).toThrow(MlsDecodeError);
    const relay = new DaveGroupRelay(CHANNEL, new DaveExternalSender());
    relay.commitWelcome('111', Buffer.from([1, 2, 3]));
    expect(relay.rejectedCommits).toBe(1);
  });
});

describe('DAVE end to end with @discordjs/voice', () => {
  let server: FakeVoiceServer | null = null;
  const connections: VoiceConnection[] = [];
  afterEach(async () => {
    for (const c of connections.splice(0))
      if (c.state.status !== VoiceConnectionStatus.Destroyed) c.destroy();
    await server?.stop();
    server = null;
  });

  function daveOf(c: VoiceConnection): { ready: boolean; epoch: bigint | null } | undefined {
    const state = c.state as {
      networking?: { state: { dave?: { session?: { ready: boolean; epoch: bigint | null } } } };
    };
    return state.networking?.state.dave?.session;
  }

  it('negotiates DAVE, encrypts media end to end both ways, and keeps it flowing across a join and a leave', async () => {
    const s = await FakeVoiceServer.start({ heartbeatIntervalMs: 1_000, dave: true });
    server = s;
    trustTestCa(s.ca);
    const alice = s.join(GUILD, ALICE);
    const c = joinVoiceChannel({
      guildId: GUILD,
      channelId: CHANNEL,
      adapterCreator: directVoiceAdapter(s, BOT),
      selfDeaf: false,
      daveEncryption: true,
    });
    c.on('error', () => undefined);
    connections.push(c);
    await entersState(c, VoiceConnectionStatus.Ready, 10_000);
    const group = s.daveGroup(GUILD)!;
    await until(
      'bot and Alice in one DAVE group',
      () => daveOf(c)?.ready === true && alice.dave?.ready === true,
    );
    await until('same epoch', () => daveOf(c)?.epoch === group.epoch && alice.dave?.epoch === group.epoch);
    const ops = new Set(s.received.map((p) => p.op));
    expect(ops.has(VoiceOpcodes.DaveMlsKeyPackage)).toBe(true);

    const wire: Buffer[] = [];
    s.on('audio', (_s, _seq, _ts, opus) => wire.push(opus));
    const received: Buffer[] = [];
    const stream = c.receiver.subscribe(ALICE, { end: { behavior: EndBehaviorType.Manual } });
    stream.on('data', (b: Buffer) => received.push(b));
    const player = createAudioPlayer();
    c.subscribe(player);

    /** Alice (and whoever else is given) speaks to the bot and hears the bot, at the current epoch. */
    const roundTrip = async (listeners: (typeof alice)[]) => {
      const from = received.length;
      const burst = await alice.speak(tone(300), { paced: false });
      await until("Alice's frames decrypted by the bot", () => received.length - from >= burst.frames);
      expect(received.slice(from, from + burst.frames).every((p) => p.length > 3)).toBe(true);
      const heardBefore = listeners.map((p) => p.heard.get(BOT.userId)?.length ?? 0);
      const wireFrom = wire.length;
      player.play(
        createAudioResource(Readable.from([Buffer.from(tone(300).buffer)]), { inputType: StreamType.Raw }),
      );
      await until('the bot heard by every listener', () =>
        listeners.every((p, i) => (p.heard.get(BOT.userId)?.length ?? 0) - heardBefore[i]! >= 10),
      );
      // What the bot sent through the server was end-to-end encrypted (the server cannot read it).
      const voiced = wire.slice(wireFrom).filter((f) => f.length > 3);
      expect(voiced.length).toBeGreaterThan(0);
      expect(voiced.every((f) => f.readUInt16BE(f.length - 2) === 0xfafa)).toBe(true);
      for (const p of listeners) {
        const frames = (p.heard.get(BOT.userId) ?? []).slice(-10);
        let energy = 0;
        let n = 0;
        for (const f of frames) {
          for (const v of f.pcm) energy += v * v;
          n += f.pcm.length;
        }
        expect(Math.sqrt(energy / n)).toBeGreaterThan(1_000);
      }
    };

    await roundTrip([alice]);
    const epochBefore = group.epoch;

    // Bob joins mid-call: an external Add, a commit, a welcome — a new epoch for everyone.
    const bob = s.join(GUILD, BOB);
    await until('Bob welcomed', () => bob.dave?.ready === true && group.epoch === epochBefore + 1n);
    await until(
      'bot at the new epoch',
      () => daveOf(c)?.epoch === group.epoch && alice.dave?.epoch === group.epoch,
    );
    await roundTrip([alice, bob]);

    // Bob leaves: an external Remove, another epoch; Alice and the bot still hear each other.
    s.leave(BOB);
    await until('remove committed', () => group.epoch === epochBefore + 2n);
    await until(
      'bot at the new epoch',
      () => daveOf(c)?.epoch === group.epoch && alice.dave?.epoch === group.epoch,
    );
    await roundTrip([alice]);

    expect(group.epochChanges).toBeGreaterThanOrEqual(3);
    expect(s.decryptFailures).toBe(0);
    expect(alice.dave?.invalidTransitions).toBe(0);
    expect(alice.decodeErrors).toBe(0);
    expect(s.received.some((p) => p.op === VoiceOpcodes.DaveMlsInvalidCommitWelcome)).toBe(false);
    player.stop(true);
  });
});
