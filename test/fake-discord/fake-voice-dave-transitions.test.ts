/**
 * DAVE protocol-version transitions over the fake voice server's real socket, with the real client
 * (@discordjs/voice): a person without DAVE joins mid-call, so the channel downgrades to version 0
 * (op 21 prepare transition, op 23 ready, op 22 execute) and media goes transport-only; they leave, so
 * it upgrades back (op 24 prepare epoch, a new group under a non-zero transition id, op 22). Speech runs
 * both ways across both transitions: no frame may be lost, and none may be sent in the wrong mode.
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
import { installDaveTransitionPatches } from '../../voice-host/src/session/dave-transition-patches.ts';
import { isDaveFrame } from './dave-frame.ts';
import { FakeVoiceServer } from './fake-voice-server.ts';
import { directVoiceAdapter } from './voice-test-adapter.ts';
import { trustTestCa } from './voice-test-ca.ts';
import { tone, until } from './voice-test-signals.ts';

/** Transitions last a few ms: poll every 5 ms so a phase is seen while it lasts. */
const untilPolled = (what: string, ok: () => boolean, timeoutMs = 10_000) => until(what, ok, timeoutMs, 5);

const GUILD = '800000000000000021';
const CHANNEL = '560000000000000022';
const BOT = { userId: '100000000000000021', sessionId: 'gateway-session-dave-transitions' };
const ALICE = '300000000000000021';
const CAROL = '300000000000000022';

interface ClientDave {
  protocolVersion: number;
  session?: { ready: boolean; epoch: bigint | null };
}

function daveOf(c: VoiceConnection): ClientDave | undefined {
  const state = c.state as { networking?: { state: { dave?: ClientDave } } };
  return state.networking?.state.dave;
}

describe('DAVE protocol-version transitions with @discordjs/voice', () => {
  let server: FakeVoiceServer | null = null;
  let connection: VoiceConnection | null = null;
  afterEach(async () => {
    if (connection !== null && connection.state.status !== VoiceConnectionStatus.Destroyed)
      connection.destroy();
    connection = null;
    await server?.stop();
    server = null;
  });

  it('downgrades to version 0 and back mid-speech both ways: no frame lost, none in the wrong mode', async () => {
    // What the voice host adds to @discordjs/voice for upgrades (voice-session.ts installs it).
    installDaveTransitionPatches();
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
    connection = c;
    c.on('error', () => undefined);
    await entersState(c, VoiceConnectionStatus.Ready, 10_000);
    const group = s.daveGroup(GUILD)!;
    await untilPolled(
      'bot and Alice in one DAVE group',
      () => daveOf(c)?.session?.ready === true && alice.dave?.ready === true,
    );

    const fromAlice: Buffer[] = [];
    c.receiver
      .subscribe(ALICE, { end: { behavior: EndBehaviorType.Manual } })
      .on('data', (b: Buffer) => fromAlice.push(b));
    const botWire: Buffer[] = [];
    s.on('audio', (from, _seq, _ts, opus) => {
      if (from.grant.userId === BOT.userId) botWire.push(opus);
    });
    const player = createAudioPlayer();
    c.subscribe(player);

    // Both talk for 2.4 s; Carol (no DAVE) comes in after ~0.4 s and leaves after ~1.2 s.
    const speech = alice.speak(tone(2_400));
    player.play(
      createAudioResource(Readable.from([Buffer.from(tone(2_400).buffer)]), { inputType: StreamType.Raw }),
    );
    await untilPolled(
      'speech flowing both ways, end to end encrypted',
      () => fromAlice.length >= 20 && botWire.length >= 20,
    );
    const carol = s.join(GUILD, CAROL, { dave: false });
    await untilPolled('the downgrade executed', () => group.phase === 'plain', 5_000);
    await untilPolled('the bot sends transport-only', () => group.audit.lastMode(BOT.userId) === 'plain');
    expect(daveOf(c)?.protocolVersion).toBe(0);
    await untilPolled('Carol hears the bot', () => (carol.heard.get(BOT.userId)?.length ?? 0) >= 10);
    s.leave(CAROL);
    await untilPolled('the upgrade executed', () => group.phase === 'e2ee', 5_000);
    expect(daveOf(c)?.protocolVersion).toBe(1);
    const burst = await speech;
    await untilPolled(
      "every frame of Alice's reached the bot",
      () => fromAlice.filter((f) => f.length > 3).length >= burst.frames,
      3_000,
    ).catch(() => undefined);
    await untilPolled('the bot finished playing', () => player.state.status === 'idle', 5_000);
    await untilPolled(
      'Alice heard the bot to the end',
      () => (alice.heard.get(BOT.userId) ?? []).length >= botWire.length,
      3_000,
    ).catch(() => undefined);

    // Both transitions ran over the socket: op 23 from the bot for each, and media came back to E2EE.
    expect(group.versionTransitions).toBe(2);
    const ready = s.received.filter((p) => p.op === VoiceOpcodes.DaveTransitionReady);
    expect(ready.length).toBeGreaterThanOrEqual(2);
    expect(group.audit.wrongMode).toEqual([]);
    for (const sender of [BOT.userId, ALICE]) {
      const counts = group.audit.counts(sender);
      expect(counts.e2ee, sender).toBeGreaterThan(0);
      expect(counts.plain, sender).toBeGreaterThan(0);
      expect(group.audit.lastMode(sender), sender).toBe('e2ee');
    }
    expect(botWire.filter((f) => f.length > 3 && !isDaveFrame(f)).length).toBeGreaterThan(0);

    // Nothing lost either way: the bot decrypted every voiced frame Alice sent, Alice every frame the bot sent.
    expect(fromAlice.filter((f) => f.length > 3)).toHaveLength(burst.frames);
    expect(alice.heard.get(BOT.userId) ?? []).toHaveLength(botWire.length);
    expect(alice.dave?.decryptFailures).toBe(0);
    expect(alice.dave?.invalidTransitions).toBe(0);
    expect(alice.decodeErrors).toBe(0);
    // Carol, without DAVE, never got a frame she could not read.
    expect(carol.unreadableE2ee).toBe(0);
    expect(carol.decodeErrors).toBe(0);
    expect(s.decryptFailures).toBe(0);
    expect(s.received.some((p) => p.op === VoiceOpcodes.DaveMlsInvalidCommitWelcome)).toBe(false);
    player.stop(true);
  }, 30_000);
});
