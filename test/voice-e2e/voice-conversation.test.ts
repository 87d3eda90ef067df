/**
 * The voice host in a conversation over the real protocol (short form of `npm run bench:voice-e2e`): two
 * people speak espeak-ng phrases as Opus through the fake voice server; the host receives each speaker
 * separately, cuts one segment per utterance, and the reply it plays is heard by the people — one reply
 * per utterance, in order, SNR ≥ 12 dB against the TTS audio, duration within 5 %. Then barge-in, and a
 * voice server crash (4015) in the middle of an utterance.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conversationTurn } from './conversation-turn.ts';
import { ConversationRig, phrase } from './voice-conversation-rig.ts';

let rig: ConversationRig;

beforeAll(async () => {
  rig = await ConversationRig.start({
    tenants: 1,
    guildsPerTenant: 1,
    speakers: 2,
    faults: { loss: 0.02, reorder: 0.02, seed: 16 },
    replyText: (n) => `duck answers utterance number ${n} right away`,
  });
}, 60_000);

afterAll(async () => {
  await rig?.stop();
});

describe('a conversation with the voice host over the fake voice server', () => {
  it('answers each utterance once, in order, and the people hear the reply as synthesized', async () => {
    const session = rig.sessions[0]!;
    const [a, b] = session.people as [
      NonNullable<(typeof session.people)[0]>,
      NonNullable<(typeof session.people)[0]>,
    ];
    const turns = [];
    for (const [i, person] of [a, b, a, b].entries()) {
      turns.push(await conversationTurn(rig, session, person, phrase(i)));
    }
    // One segment (and so one reply) per utterance, from the right speaker, in order.
    expect(rig.replies.map((r) => r.userId)).toEqual([a.userId, b.userId, a.userId, b.userId]);
    expect(turns.map((t) => t.reply.userId)).toEqual(rig.replies.map((r) => r.userId));
    for (const t of turns) {
      expect(t.snrDb).toBeGreaterThanOrEqual(12);
      expect(Math.abs(t.heardMs - t.ttsMs) / t.ttsMs).toBeLessThanOrEqual(0.05);
      expect(t.firstAudioMs).toBeGreaterThan(0);
    }
    if (process.env.VOICE_RIG_PRINT)
      console.error(JSON.stringify(turns.map((t) => [t.snrDb, t.heardMs, t.ttsMs, t.firstAudioMs])));
    expect(rig.server.decryptFailures).toBe(0);
    const health = rig.host.health().sessions[0]!;
    expect(health.decrypt_failures).toBe(0);
  }, 90_000);

  it('barge-in: a person talking over a reply stops it within 300 ms of their speech being confirmed', async () => {
    const session = rig.sessions[0]!;
    const [a, b] = session.people as [
      NonNullable<(typeof session.people)[0]>,
      NonNullable<(typeof session.people)[0]>,
    ];
    const before = rig.replies.length;
    const packetsBefore = session.botPackets.length;
    await a.speak(phrase(1));
    await rig.until('a reply', () => rig.replies.length > before);
    await rig.until('the reply playing', () =>
      session.botPackets.slice(packetsBefore).some((p) => !p.silence),
    );
    await new Promise((r) => setTimeout(r, 300));
    const barge = b.speak(phrase(0));
    const bargeStart = Date.now();
    await rig.until('the interruption reported', () =>
      rig.control.sent.some(
        (m) =>
          m.type === 'event' &&
          m.envelope.intent === 'voice.state.speaking' &&
          'interrupted_reply_id' in (m.envelope.payload as object),
      ),
    );
    await barge;
    const lastReplyAudio = session.botPackets
      .slice(packetsBefore)
      .filter((p) => !p.silence && p.at < bargeStart + 5_000)
      .filter((p) => p.at >= bargeStart)
      .at(-1);
    // The speech gate confirms after VAD_MIN_SPEECH_MS (160 ms); the reply must stop within 300 ms of that.
    const stopMs = (lastReplyAudio?.at ?? bargeStart) - bargeStart;
    if (process.env.VOICE_RIG_PRINT) console.error('stopMs', stopMs);
    expect(stopMs).toBeLessThanOrEqual(160 + 300);
    await rig.until('the barge-in segment', () => rig.replies.length >= before + 2);
  }, 60_000);

  it('a voice server crash (4015) mid-utterance: the host resumes and nothing is lost', async () => {
    const session = rig.sessions[0]!;
    const a = session.people[0]!;
    const before = rig.replies.length;
    const resumes = rig.server.received.filter((p) => p.op === 7).length;
    const spoken = a.speak(phrase(2));
    await new Promise((r) => setTimeout(r, 400));
    rig.server.crash();
    await spoken;
    await rig.until('the utterance segment after the resume', () => rig.replies.length > before);
    expect(rig.server.received.filter((p) => p.op === 7).length).toBe(resumes + 1);
    expect(rig.replies.length).toBe(before + 1);
    expect(rig.replies.at(-1)!.userId).toBe(a.userId);
  }, 60_000);
});
