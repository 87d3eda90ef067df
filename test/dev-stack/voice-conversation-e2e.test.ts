/**
 * A voice conversation through the whole dev stack (short form): both Workers under wrangler dev, the
 * fake Discord with its voice server, the model double, and the real voice host process (trusting the
 * fake's test CA). Two fake people speak espeak-ng phrases as Opus; the host receives each speaker, cuts a
 * segment per utterance and posts it to ingest; spectrogram, stt, cephalon, tts and the voice-mixer run on
 * the local queues; the reply comes back over the control connection and plays through @discordjs/voice;
 * the people hear it, decrypted and decoded, and it matches the TTS audio the double synthesized. DAVE is
 * on: media both ways is end-to-end encrypted under the fake's MLS group.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { OFFLINE_TTS_SAMPLE_RATE, offlineSpeechPcm } from '@promethean/functions/models/offline-speech';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PipelineStack, startPipelineStack } from '../bench/pipeline-stack.ts';
import { isDaveFrame } from '../fake-discord/dave-frame.ts';
import type { FakeVoicePerson } from '../fake-discord/fake-voice-person.ts';
import { freePort } from '../servers/free-port.ts';
import { monoOf } from '../voice-e2e/conversation-turn.ts';
import { matchReplyAudio } from '../voice-e2e/reply-audio-match.ts';
import { phrase } from '../voice-e2e/voice-conversation-rig.ts';

const root = join(import.meta.dirname, '..', '..');
const SECRET = 'e2e-voice-conv-secret-0123456789';
const GUILD = '800000000000000001';
const VOICE_CHANNEL = '560000000000000002';
const PEOPLE = ['300000000000000001', '300000000000000002'];

let stack: PipelineStack;
let host: ChildProcess | undefined;
let hostPort = 0;
const hostLog: string[] = [];

async function until<T>(
  what: string,
  probe: () => T | Promise<T>,
  ok: (v: T) => boolean,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await probe();
  while (!ok(last)) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}\nvoice host log:\n${hostLog.slice(-30).join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 50));
    last = await probe();
  }
  return last;
}

beforeAll(async () => {
  stack = await startPipelineStack({
    documents: 'sqlite',
    accessVars: { VOICE_HOST_SECRET: SECRET },
    functionsVars: { VOICE_INGEST_SECRET: SECRET },
    // DAVE on: the host and both people run end-to-end encryption (the fake is the MLS external sender).
    fakeDiscord: { voice: { dave: true } },
  });
  for (let i = 0; i < 2; i++) phrase(i); // espeak-ng before anything is timed
  hostPort = await freePort();
  const ws = stack.url.replace(/^http/, 'ws');
  host = spawn(process.execPath, [join(root, 'node_modules/tsx/dist/cli.mjs'), 'voice-host/src/main.ts'], {
    cwd: root,
    env: {
      ...process.env,
      NODE_EXTRA_CA_CERTS: stack.fake.voice!.ca.caPath,
      VOICE_HOST_SECRET: SECRET,
      VOICE_HOST_ID: 'e2e-conversation-host',
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

describe('a voice conversation through the dev stack', () => {
  it('two people speak; each utterance gets one reply, which they hear as the TTS made it', async () => {
    const voice = stack.fake.voice!;
    const people = PEOPLE.map((id) => voice.join(GUILD, id)) as [FakeVoicePerson, FakeVoicePerson];
    await until(
      'the control connection',
      () =>
        fetch(`http://127.0.0.1:${hostPort}/health`).then(
          (r) => r.json() as Promise<{ control: string }>,
          () => ({ control: 'down' }),
        ),
      (h) => h.control === 'connected',
    );
    const gateway = `${stack.url}/dev/discord/duck/gateway/0`;
    await fetch(`${gateway}/start`, { method: 'POST' });
    await until(
      'the gateway READY',
      () => fetch(gateway).then((r) => r.json() as Promise<{ status: string }>),
      (g) => g.status === 'ready',
    );
    await fetch(`${stack.url}/dev/discord/duck/voice/join`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ guild_id: GUILD, channel_id: VOICE_CHANNEL }),
    });
    const session = await until(
      'the host on the voice server',
      () => voice.sessions()[0],
      (s) => s?.mode != null,
    );
    const bot = session!.grant.userId;
    const group = await until(
      'one DAVE group with the host and both people',
      () => voice.daveGroup(GUILD),
      (g) =>
        g !== undefined &&
        [bot, ...PEOPLE].every((u) => g.leaves.includes(u)) &&
        people.every((p) => p.dave?.epoch === g.epoch),
    );
    const botWire: Buffer[] = [];
    voice.on('audio', (from, _seq, _ts, opus) => {
      if (from.grant.userId === bot && opus.length > 3) botWire.push(opus);
    });
    const speech = () => stack.models.requests.filter((r) => r.path === '/v1/audio/speech');

    for (const [i, person] of people.entries()) {
      const listener = people[1 - i]!;
      const heardBefore = listener.heard.get(bot)?.length ?? 0;
      const ttsBefore = speech().length;
      await person.speak(phrase(i));
      const tts = await until('the reply synthesized', speech, (s) => s.length > ttsBefore, 90_000);
      const text = (tts[ttsBefore]!.body as { input: string }).input;
      const bytes = offlineSpeechPcm(text);
      const ref = new Int16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2);
      const frames = Math.ceil(ref.length / (OFFLINE_TTS_SAMPLE_RATE / 50));
      const heard = await until(
        'the reply heard in full',
        () => (listener.heard.get(bot) ?? []).slice(heardBefore),
        (f) => f.filter((x) => !x.silence).length >= frames && f.at(-1)?.silence === true,
        90_000,
      );
      const mono = monoOf(heard);
      const match = matchReplyAudio(mono, ref, OFFLINE_TTS_SAMPLE_RATE);
      expect(match.snrDb).toBeGreaterThanOrEqual(12);
      expect(Math.abs(mono.length / 48 - ref.length / 24) / (ref.length / 24)).toBeLessThanOrEqual(0.05);
    }
    // One reply per utterance: exactly two syntheses, and nothing the host could not decrypt.
    expect(speech()).toHaveLength(2);
    expect(voice.decryptFailures).toBe(0);
    // Every voiced frame of the replies crossed the server end to end encrypted, and the people read them all.
    expect(botWire.length).toBeGreaterThan(0);
    expect(botWire.every(isDaveFrame)).toBe(true);
    expect(group!.audit.wrongMode).toEqual([]);
    for (const p of people) expect(p.dave?.decryptFailures).toBe(0);
  }, 240_000);
});
