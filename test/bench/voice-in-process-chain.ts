/**
 * The baseline of bench:voice-path: the voice agents chained in one process (in-memory bus, memory stores,
 * no queues, no Durable Objects, no Workers) against the same model double — the work alone. Imported
 * after the `.yml` loader hook is registered (the agents import their manifests).
 */
import type { TypedEnvelope } from '@promethean/schemas/envelope';
import type { PayloadOf } from '@promethean/schemas/message-definition';
import type { VoiceAudioSegment } from '@promethean/schemas/voice/voice-messages';
import { randomIds, systemClock } from '@promethean/shared/agent/envelope-factory';
import { RecordingSink } from '@promethean/shared/agent/telemetry';
import { InMemoryBroker } from '@promethean/shared/broker/in-memory-broker';
import { MemoryBlobStore } from '@promethean/shared/effects/memory-blob-store';
import { MemoryDocumentStore } from '@promethean/shared/effects/memory-document-store';
import { MemoryVectorStore } from '@promethean/shared/effects/memory-vector-store';
import { cephalon } from '../../functions/agents/cephalon/handler.ts';
import { spectrogram } from '../../functions/agents/spectrogram/handler.ts';
import { stt } from '../../functions/agents/stt/handler.ts';
import { tts } from '../../functions/agents/tts/handler.ts';
import { voiceMixer } from '../../functions/agents/voice-mixer/handler.ts';
import { MemoryPlayback } from '../../functions/agents/voice-mixer/memory-playback.ts';
import { readModelSettings } from '../../functions/models/model-settings.ts';
import { OpenAiModelPort } from '../../functions/models/openai-model-port.ts';
import { testRegistry } from '../harness/recording-runtime.ts';
import { InMemoryAgentHost } from '../pipeline/in-memory-agent-host.ts';

/** Milliseconds from the segment's end of speech to its reply's first chunk at the (memory) voice host. */
export async function inProcessChain(
  modelBaseUrl: string,
  env: TypedEnvelope<PayloadOf<typeof VoiceAudioSegment>>,
  pcm: Uint8Array,
): Promise<number> {
  const broker = new InMemoryBroker({ autoDeliver: true });
  const blobs = new MemoryBlobStore();
  const playback = new MemoryPlayback(systemClock);
  const port = new OpenAiModelPort(
    readModelSettings({ MODEL_BASE_URL: modelBaseUrl, MODEL_API_KEY: 'k', EMBED_DIMENSIONS: '64' }),
    {
      provider: 'discord',
      tenant: 'duck',
    },
  );
  const documents = new MemoryDocumentStore();
  const vectors = new MemoryVectorStore('discord', 'duck');
  new InMemoryAgentHost({
    broker,
    agents: [spectrogram, stt, cephalon, tts, voiceMixer],
    deps: {
      registry: testRegistry(),
      ports: () => ({ documents, blobs, vectors, models: port, playback }),
      sink: new RecordingSink(),
      clock: systemClock,
      ids: randomIds,
      runtimeIds: randomIds,
    },
  }).start();
  const speechEnd = env.payload.ts_end;
  await blobs.put(env.payload.blob_key, pcm, 'application/octet-stream');
  await broker.publish(env);
  const deadline = Date.now() + 30_000;
  while (!playback.delivered.some((i) => i.seq === 0)) {
    if (Date.now() > deadline) throw new Error('the in-process chain did not play a reply within 30 s');
    await new Promise((r) => setTimeout(r, 1));
  }
  const elapsed = Date.now() - speechEnd;
  await broker.close();
  return elapsed;
}
