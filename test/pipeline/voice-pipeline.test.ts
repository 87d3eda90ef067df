/**
 * The voice path end to end in one process: the real spectrogram, stt, cephalon, tts and voice-mixer
 * agents on an in-memory bus, with speech-to-text, the reply and speech synthesis from the model double
 * over a real socket. Utterances arrive as voice.audio.segment (as the ingest route publishes them), are
 * delivered twice and in shuffled order, and workers die mid-handler; the playback stream must still
 * hand the voice host exactly one reply per utterance, in utterance order, each reply's chunks in seq
 * order and never two replies interleaved.
 */
import { VoiceAudioSegment } from '@promethean/schemas/voice/voice-messages';
import { segmentBlobKey } from '@promethean/schemas/voice/voice-segment-ingest';
import { createEnvelope, sequentialIds } from '@promethean/shared/agent/envelope-factory';
import { RecordingSink } from '@promethean/shared/agent/telemetry';
import { InMemoryBroker } from '@promethean/shared/broker/in-memory-broker';
import { seededRandom } from '@promethean/shared/broker/seeded-random';
import { MemoryBlobStore } from '@promethean/shared/effects/memory-blob-store';
import { MemoryDocumentStore } from '@promethean/shared/effects/memory-document-store';
import { MemoryVectorStore } from '@promethean/shared/effects/memory-vector-store';
import { FakeClock } from '@promethean/shared/testing/fake-clock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cephalon } from '../../functions/agents/cephalon/handler.ts';
import { spectrogram } from '../../functions/agents/spectrogram/handler.ts';
import { stt } from '../../functions/agents/stt/handler.ts';
import { tts } from '../../functions/agents/tts/handler.ts';
import { voiceMixer } from '../../functions/agents/voice-mixer/handler.ts';
import { MemoryPlayback } from '../../functions/agents/voice-mixer/memory-playback.ts';
import type { PlayItem } from '../../functions/agents/voice-mixer/playback-sequencer.ts';
import { readModelSettings } from '../../functions/models/model-settings.ts';
import { OpenAiModelPort } from '../../functions/models/openai-model-port.ts';
import { testRegistry } from '../harness/recording-runtime.ts';
import { type ModelDouble, startModelDouble } from '../model-double/model-double.ts';
import { InMemoryAgentHost } from './in-memory-agent-host.ts';

const SESSION = 'discord-duck-800000000000000001';
const SPEAKERS = ['300000000000000001', '300000000000000002'];
const START = Date.UTC(2026, 10, 25, 10);
const UTTERANCES = 5;

let double: ModelDouble;
beforeAll(async () => {
  // A reply long enough for several TTS chunks, naming the utterance it answers (the double echoes it).
  double = await startModelDouble({
    chatReply: (request) => {
      const question = String(request.messages.at(-1)?.content ?? '');
      const heard = /in (\S+)\.wav/.exec(question)?.[1] ?? 'nothing';
      return `You said something in ${heard}. ${'Quack, quack, quack. '.repeat(4)}`;
    },
  });
});
afterAll(async () => double?.stop());

class SimulatedCrash extends Error {
  override readonly name = 'SimulatedCrash';
}

/** 600 ms of a speaker's "speech" (a tone per utterance) at 48 kHz mono s16le. */
function speech(n: number): Uint8Array {
  const samples = 48_000 * 0.6;
  const pcm = new Uint8Array(samples * 2);
  const view = new DataView(pcm.buffer);
  for (let i = 0; i < samples; i++)
    view.setInt16(i * 2, Math.round(9000 * Math.sin((2 * Math.PI * (200 + 40 * n) * i) / 48_000)), true);
  return pcm;
}

function segments(clock: FakeClock) {
  return Array.from({ length: UTTERANCES }, (_, n) => {
    const ts_start = START + n * 1_500;
    const user_id = SPEAKERS[n % SPEAKERS.length]!;
    const ids = { session_id: SESSION, segment_id: `${user_id}-${ts_start}` };
    return createEnvelope(
      VoiceAudioSegment,
      {
        ...ids,
        user_id,
        ts_start,
        ts_end: ts_start + 600,
        format: { encoding: 'pcm_s16le', sample_rate: 48_000, channels: 1 },
        blob_key: segmentBlobKey('discord', 'duck', ids),
        vad: { kind: 'energy', start_threshold: -40, stop_threshold: -47, hangover_ms: 400 },
      },
      {
        src: 'voice-host',
        provider: 'discord',
        tenant: 'duck',
        id: `${ids.session_id}:${ids.segment_id}`,
        clock,
        ids: sequentialIds('seg'),
      },
    );
  });
}

async function voicePipeline(options: { shuffleSeed: number; crashRate?: number }) {
  const clock = new FakeClock(START + UTTERANCES * 1_500 + 1_000);
  const broker = new InMemoryBroker({ clock, maxRedeliveries: 50, shuffle: { seed: options.shuffleSeed } });
  const documents = new MemoryDocumentStore();
  const blobs = new MemoryBlobStore();
  const playback = new MemoryPlayback(clock);
  const models = new OpenAiModelPort(
    readModelSettings({ MODEL_BASE_URL: double.baseUrl, MODEL_API_KEY: 'sk-test', EMBED_DIMENSIONS: '64' }),
    { provider: 'discord', tenant: 'duck' },
  );
  const vectors = new MemoryVectorStore('discord', 'duck');
  const random = seededRandom(options.shuffleSeed);
  const crashes = { count: 0 };
  const maybeCrash = (where: string) => {
    if (options.crashRate !== undefined && random.next() < options.crashRate) {
      crashes.count++;
      throw new SimulatedCrash(`the worker died ${where}`);
    }
  };
  const host = new InMemoryAgentHost({
    broker,
    agents: [spectrogram, stt, cephalon, tts, voiceMixer],
    deps: {
      registry: testRegistry(),
      ports: () => ({ documents, blobs, vectors, models, playback }),
      sink: new RecordingSink(),
      clock,
      ids: sequentialIds('p'),
      runtimeIds: sequentialIds('rt'),
    },
    beforeInvoke: () => maybeCrash('before starting'),
    beforePublish: () => maybeCrash('between two side effects'),
  }).start();
  const utterances = segments(clock);
  for (const [n, env] of utterances.entries())
    await blobs.put(env.payload.blob_key, speech(n), 'application/octet-stream');
  return { broker, documents, playback, host, crashes, utterances, clock };
}

/** Replies as the host received them: consecutive runs of one reply id, each with its seqs. */
function runs(delivered: readonly PlayItem[]): Array<{ reply: string; segment: string; seqs: number[] }> {
  const out: Array<{ reply: string; segment: string; seqs: number[] }> = [];
  for (const item of delivered) {
    const last = out.at(-1);
    if (last?.reply === item.reply_id) last.seqs.push(item.seq);
    else out.push({ reply: item.reply_id, segment: item.segment_id ?? '?', seqs: [item.seq] });
  }
  return out;
}

async function runToEnd(p: Awaited<ReturnType<typeof voicePipeline>>): Promise<void> {
  // Deliver everything, then let the playback stream's timers run (a Durable Object's alarm), until quiet.
  for (let round = 0; round < 20; round++) {
    await p.broker.drain();
    const deadline = p.playback.nextDeadline();
    if (deadline === undefined) return;
    p.clock.advance(Math.max(0, deadline - p.clock.now()));
    await p.playback.tick();
  }
}

function expectOneOrderedReplyPerUtterance(p: Awaited<ReturnType<typeof voicePipeline>>): void {
  const played = runs(p.playback.delivered);
  // Utterance order: the segments' end of speech, ascending (segment ids carry their start).
  expect(played.map((r) => r.segment)).toEqual(p.utterances.map((u) => u.payload.segment_id));
  expect(new Set(played.map((r) => r.reply)).size).toBe(UTTERANCES);
  for (const r of played) {
    expect(r.seqs).toEqual(r.seqs.map((_, i) => i));
    expect(r.seqs.length).toBeGreaterThan(1);
  }
  const last = p.playback.delivered.filter((i) => i.last);
  expect(last).toHaveLength(UTTERANCES);
}

describe('voice pipeline: segment → stt → reply → tts → playback', () => {
  it('plays one reply per utterance, in order, when every segment is delivered twice and shuffled', async () => {
    double.requests.length = 0;
    const p = await voicePipeline({ shuffleSeed: 5 });
    for (const env of [...p.utterances, ...p.utterances]) await p.broker.publish(env);
    await runToEnd(p);
    expect(p.host.failures()).toEqual([]);
    expectOneOrderedReplyPerUtterance(p);
    // Redelivery costs no second model call: the transcript, reply and speech are each stored once.
    const calls = (path: string) => double.requests.filter((r) => r.path === path).length;
    expect(calls('/v1/audio/transcriptions')).toBe(UTTERANCES);
    expect(calls('/v1/chat/completions')).toBe(UTTERANCES);
    expect(calls('/v1/audio/speech')).toBe(UTTERANCES);
    // Each segment's document has every slot its agents own, and the reply answers that utterance.
    for (const u of p.utterances) {
      const doc = await p.documents.get('voice', `${SESSION}:${u.payload.segment_id}`);
      expect(Object.keys(doc?.slots ?? {}).sort()).toEqual([
        'playback',
        'reply',
        'segment',
        'spectrogram',
        'transcript',
      ]);
      const reply = doc?.slots.reply?.value as { text: string } | undefined;
      expect(reply?.text).toContain(u.payload.segment_id);
    }
  });

  it.each([11, 23, 42])('keeps the order when workers die mid-handler (shuffle seed %i)', async (seed) => {
    const p = await voicePipeline({ shuffleSeed: seed, crashRate: 0.2 });
    for (const env of p.utterances) await p.broker.publish(env);
    await runToEnd(p);
    expect(p.crashes.count).toBeGreaterThan(3);
    expect(p.host.failures()).toEqual([]);
    expectOneOrderedReplyPerUtterance(p);
  });
});
