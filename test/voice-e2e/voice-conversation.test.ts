/**
 * The voice host in a conversation over the real protocol (short form of `npm run bench:voice-e2e`): two
 * people speak espeak-ng phrases as Opus through the fake voice server; the host receives each speaker
 * separately, cuts one segment per utterance, and the reply it plays is heard by the people — one reply
 * per utterance, in order, SNR ≥ 12 dB against the TTS audio, duration within 5 %. Then barge-in, and a
 * voice server crash (4015) in the middle of an utterance.
 */
import { OFFLINE_TTS_SAMPLE_RATE } from '@promethean/functions/models/offline-speech';
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
    server: { dave: true },
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
    for (const p of session.people) expect(p.dave?.decryptFailures).toBe(0);
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
    const heardBefore = (a.heard.get(session.botUserId) ?? []).length;
    const spoken = a.speak(phrase(2));
    await new Promise((r) => setTimeout(r, 400));
    rig.server.crash();
    await spoken;
    await rig.until('the utterance segment after the resume', () => rig.replies.length > before);
    expect(rig.server.received.filter((p) => p.op === 7).length).toBe(resumes + 1);
    expect(rig.replies.length).toBe(before + 1);
    expect(rig.replies.at(-1)!.userId).toBe(a.userId);
    // ... and its reply plays in full after the resume.
    const reply = rig.replies.at(-1)!;
    const ttsFrames = Math.ceil(reply.tts.length / (OFFLINE_TTS_SAMPLE_RATE / 50));
    await rig.until(
      'the reply heard after the resume',
      () =>
        (a.heard.get(session.botUserId) ?? []).slice(heardBefore).filter((f) => !f.silence).length >=
        ttsFrames,
    );
  }, 60_000);
});

describe('DAVE epoch changes mid-call', () => {
  it('a listener joining and leaving mid-utterance changes the epoch twice and nothing is lost either way', async () => {
    const session = rig.sessions[0]!;
    const [a, b] = session.people as [
      NonNullable<(typeof session.people)[0]>,
      NonNullable<(typeof session.people)[0]>,
    ];
    // The previous test leaves its reply playing: start from a quiet channel so each turn hears one reply.
    await rig.until('the bot quiet', () => Date.now() - (session.botPackets.at(-1)?.at ?? 0) > 300, 30_000);
    const group = rig.server.daveGroup(session.guildId)!;
    const epoch = group.epoch;
    const before = rig.replies.length;
    const joining = conversationTurn(rig, session, a, phrase(3));
    await new Promise((r) => setTimeout(r, 400));
    const listener = rig.server.join(session.guildId, '300000000000099001');
    await rig.until('the join committed', () => group.epoch === epoch + 1n && listener.dave?.ready === true);
    const joined = await joining;
    expect(joined.segments).toBe(1);
    expect(joined.snrDb).toBeGreaterThanOrEqual(12);

    const leaving = conversationTurn(rig, session, b, phrase(4));
    await new Promise((r) => setTimeout(r, 400));
    rig.server.leave(listener.userId);
    await rig.until('the leave committed', () => group.epoch === epoch + 2n);
    const left = await leaving;
    expect(left.segments).toBe(1);
    expect(left.snrDb).toBeGreaterThanOrEqual(12);
    expect(rig.replies.slice(before).map((r) => r.userId)).toEqual([a.userId, b.userId]);
    // The listener heard the bot's reply to a while it was in the group (decrypted end to end).
    expect((listener.heard.get(session.botUserId) ?? []).filter((f) => !f.silence).length).toBeGreaterThan(0);
    expect(rig.server.decryptFailures).toBe(0);
    if (process.env.VOICE_RIG_PRINT)
      console.error(
        'dave',
        JSON.stringify({
          epochs: group.epochChanges,
          person_failures: session.people.map((p) => p.dave?.decryptFailures),
          host: rig.host.health().sessions[0]?.decrypt_failures,
        }),
      );
  }, 60_000);
});
