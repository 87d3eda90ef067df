/**
 * `npm run bench:voice-path -- --json`: end of speech → first chunk of the reply at the voice host, through
 * both Workers under wrangler dev (ingest route → voice queue → spectrogram + stt → cephalon → tts →
 * voice-mixer → VoicePlayback → ACCESS.voicePlay → VoiceHostLink → the control WebSocket), with the model
 * double standing in for speech-to-text, the LLM and text-to-speech. A bench host holds the control
 * connection, sends each utterance's segment the moment its speech "ends", and then fetches the first
 * chunk's PCM as the real host would (first sound). Every hop's time comes from the chunk's `timing`.
 * Baseline, measured in the same run against the same model double: the same agents chained in one
 * process (in-memory bus, no queues, no Durable Objects, no Workers) — the work alone.
 */
import { parseArgs } from 'node:util';
import { VoiceAudioSegment } from '@promethean/schemas/voice/voice-messages';
import type { ControlToHost } from '@promethean/schemas/voice/voice-relay';
import { segmentBlobKey } from '@promethean/schemas/voice/voice-segment-ingest';
import { createEnvelope, randomIds } from '@promethean/shared/agent/envelope-factory';
import { registerYamlText } from '../chaos/yaml-text-hooks.ts';
import { BenchVoiceHost } from './bench-voice-host.ts';
import { percentile } from './latency-stats.ts';
import { startPipelineStack } from './pipeline-stack.ts';

const { values } = parseArgs({
  options: {
    utterances: { type: 'string', default: '20' },
    'speech-ms': { type: 'string', default: '1200' },
    json: { type: 'boolean', default: false },
  },
});
const UTTERANCES = Number(values.utterances);
const SPEECH_MS = Number(values['speech-ms']);
if (!Number.isInteger(UTTERANCES) || UTTERANCES < 1)
  throw new Error('--utterances must be a positive integer');

const SECRET = 'bench-voice-host-secret-0123456789';
const GUILD = '800000000000000001';
const VOICE_CHANNEL = '560000000000000002';
const SESSION = `discord-duck-${GUILD}`;
const SPEAKER = '300000000000000001';
/** The voice host's default VAD hangover: it runs before a segment exists, so it is added, not measured. */
const HANGOVER_MS = 400;
const BUDGET_MS = 800;
const log = (line: string) => console.error(line);

type Play = Extract<ControlToHost, { type: 'session.play' }>;

function speechPcm(ms: number, n: number): Uint8Array {
  const samples = Math.round((48_000 * ms) / 1000);
  const pcm = new Uint8Array(samples * 2);
  const view = new DataView(pcm.buffer);
  for (let i = 0; i < samples; i++)
    view.setInt16(i * 2, Math.round(8000 * Math.sin((2 * Math.PI * (180 + 10 * n) * i) / 48_000)), true);
  return pcm;
}

function segmentEnvelope(speechEnd: number) {
  const ts_start = speechEnd - SPEECH_MS;
  const ids = { session_id: SESSION, segment_id: `${SPEAKER}-${ts_start}` };
  return createEnvelope(
    VoiceAudioSegment,
    {
      ...ids,
      user_id: SPEAKER,
      ts_start,
      ts_end: speechEnd,
      format: { encoding: 'pcm_s16le', sample_rate: 48_000, channels: 1 },
      blob_key: segmentBlobKey('discord', 'duck', ids),
      vad: { kind: 'energy', start_threshold: -40, stop_threshold: -47, hangover_ms: HANGOVER_MS },
    },
    {
      src: 'voice-host',
      provider: 'discord',
      tenant: 'duck',
      id: `${ids.session_id}:${ids.segment_id}`,
      ids: randomIds,
    },
  );
}

interface Sample {
  first_chunk_ms: number;
  first_sound_ms: number;
  ingest_ms: number;
  hops: Record<string, { queued_ms: number; work_ms: number }>;
  mixer_ms: number;
}

async function throughWorkers(url: string, host: BenchVoiceHost, n: number): Promise<Sample> {
  const speechEnd = Date.now();
  const env = segmentEnvelope(speechEnd);
  const form = new FormData();
  form.set('envelope', JSON.stringify(env));
  form.set('pcm', new Blob([speechPcm(SPEECH_MS, n)]), 'segment.pcm');
  const since = host.received.length;
  const res = await fetch(`${url}/voice/segments`, {
    method: 'POST',
    headers: { authorization: `Bearer ${SECRET}` },
    body: form,
  });
  const ingested = Date.now();
  if (!res.ok) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
  const segment = env.payload.segment_id;
  const { at, message } = await host.next(
    `the first chunk of the reply to ${segment}`,
    (m): m is Play => m.type === 'session.play' && m.item.segment_id === segment && m.item.seq === 0,
    60_000,
    since,
  );
  const pcm = await fetch(message.url, { headers: { authorization: `Bearer ${SECRET}` } });
  if (!pcm.ok) throw new Error(`fetching the first chunk answered ${pcm.status}`);
  await pcm.arrayBuffer();
  const sounded = Date.now();
  const hops = Object.fromEntries(
    (message.item.timing?.hops ?? []).map((h) => [h.stage, { queued_ms: h.queued_ms, work_ms: h.work_ms }]),
  );
  // Each stage's queue wait is measured from its input's publish time (the segment's: the end of speech,
  // so stt's wait includes the ingest request); the rest is the chunk's hop to the mixer and its delivery.
  const accounted = Object.values(hops).reduce((sum, h) => sum + h.queued_ms + h.work_ms, 0);
  return {
    first_chunk_ms: at - speechEnd,
    first_sound_ms: sounded - speechEnd,
    ingest_ms: ingested - speechEnd,
    hops,
    mixer_ms: Math.max(0, at - speechEnd - accounted),
  };
}

const stats = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), max: sorted.at(-1) ?? 0 };
};

async function main(): Promise<void> {
  const stack = await startPipelineStack({
    documents: 'sqlite',
    accessVars: { VOICE_HOST_SECRET: SECRET },
    functionsVars: { VOICE_INGEST_SECRET: SECRET },
    log,
  });
  let host: BenchVoiceHost | undefined;
  try {
    host = await BenchVoiceHost.connect(stack.url, SECRET, 'duck');
    const join = await fetch(`${stack.url}/dev/discord/duck/voice/join`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ guild_id: GUILD, channel_id: VOICE_CHANNEL }),
    });
    if (!join.ok) throw new Error(`join answered ${join.status}: ${await join.text()}`);
    await host.next(
      'session.join',
      (m): m is Extract<ControlToHost, { type: 'session.join' }> => m.type === 'session.join',
    );
    log(
      `[bench] host connected and joined; ${UTTERANCES} utterances of ${SPEECH_MS} ms, one at a time (first one warms up)`,
    );
    await throughWorkers(stack.url, host, 0); // warm-up: isolates, Durable Objects, queues
    const samples: Sample[] = [];
    for (let n = 1; n <= UTTERANCES; n++) {
      const s = await throughWorkers(stack.url, host, n);
      samples.push(s);
      log(
        `[bench] ${n}/${UTTERANCES}: first chunk ${s.first_chunk_ms} ms, first sound ${s.first_sound_ms} ms`,
      );
    }
    // The agents import their agent.yml: Node loads it as text once the hook is in (as wrangler does).
    registerYamlText();
    const { inProcessChain } = await import('./voice-in-process-chain.ts');
    const baseline: number[] = [];
    for (let n = 0; n <= Math.min(UTTERANCES, 10); n++) {
      const env = segmentEnvelope(Date.now());
      const ms = await inProcessChain(stack.models.baseUrl, env, speechPcm(SPEECH_MS, n));
      if (n > 0) baseline.push(ms);
    }
    report(samples, baseline);
  } finally {
    host?.close();
    await stack.stop();
  }
}

function report(samples: Sample[], baseline: number[]): void {
  const first = stats(samples.map((s) => s.first_chunk_ms));
  const sound = stats(samples.map((s) => s.first_sound_ms));
  const base = stats(baseline);
  const hop = (stage: string, part: 'queued_ms' | 'work_ms') =>
    stats(samples.map((s) => s.hops[stage]?.[part] ?? 0)).p50;
  const hops = {
    ingest_ms: stats(samples.map((s) => s.ingest_ms)).p50,
    stt_queued_ms: hop('stt', 'queued_ms'), // includes the ingest request
    stt_work_ms: hop('stt', 'work_ms'),
    reply_queued_ms: hop('reply', 'queued_ms'),
    reply_work_ms: hop('reply', 'work_ms'),
    tts_queued_ms: hop('tts', 'queued_ms'),
    tts_work_ms: hop('tts', 'work_ms'),
    mixer_ms: stats(samples.map((s) => s.mixer_ms)).p50,
  };
  const queued = hops.stt_queued_ms + hops.reply_queued_ms + hops.tts_queued_ms;
  console.log('');
  console.log(
    'end of speech → reply at the voice host, through both Workers (model double for STT, LLM, TTS)',
  );
  console.log(
    `  first chunk handed to the host   p50 ${first.p50} ms   p95 ${first.p95} ms   max ${first.max} ms`,
  );
  console.log(
    `  first sound (chunk PCM fetched)  p50 ${sound.p50} ms   p95 ${sound.p95} ms   max ${sound.max} ms`,
  );
  console.log(
    `  + VAD hangover before the segment exists: ${HANGOVER_MS} ms → p95 ${sound.p95 + HANGOVER_MS} ms of the ${BUDGET_MS} ms budget`,
  );
  console.log(`  baseline: the same agents in one process  p50 ${base.p50} ms   p95 ${base.p95} ms`);
  console.log(
    `  per hop (p50 ms): ${Object.entries(hops)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
  console.log(`  queue waits (stt + reply + tts, p50): ${queued} ms`);
  const summary = {
    utterances: samples.length,
    first_chunk_p50_ms: first.p50,
    first_chunk_p95_ms: first.p95,
    first_sound_p50_ms: sound.p50,
    first_sound_p95_ms: sound.p95,
    hangover_ms: HANGOVER_MS,
    budget_ms: BUDGET_MS,
    within_budget_p95: sound.p95 + HANGOVER_MS <= BUDGET_MS,
    in_process_p50_ms: base.p50,
    in_process_p95_ms: base.p95,
    platform_overhead_ratio_p50: base.p50 > 0 ? Math.round((first.p50 / base.p50) * 100) / 100 : null,
    queue_waits_p50_ms: queued,
    hops_p50: hops,
  };
  if (values.json) console.log(JSON.stringify(summary));
}

main().catch((e) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
  process.exit(1);
});
