/**
 * `npm run bench:voice -- [--speakers N] [--repeat R] [--json]`: the receive path's cost and latency on
 * real Opus (espeak-ng speech encoded with libopus). Three phases on the same packets:
 *   1. baseline — Opus decode only, per speaker;
 *   2. full path — decode + reorder + framing + VAD + segment publish to an in-memory sink, as fast as
 *      the CPU goes (virtual clock), giving CPU per speaker as a real-time factor;
 *   3. real time — N speakers streamed at 20 ms pacing on the real clock with the host's 10 ms loop,
 *      clients silent between phrases (as Discord clients are), measuring the time from the hangover
 *      running out to the segment being stored (the hangover itself is excluded).
 * Prints a table, then (with --json) one JSON object as the last line.
 */
import { parseArgs } from 'node:util';
import type { Scheduler } from '@promethean/shared/broker/scheduler';
import { SystemScheduler } from '@promethean/shared/broker/scheduler';
import { FakeClock } from '@promethean/shared/testing/fake-clock';
import { OpusFrameDecoder } from '../src/receive/opus-frame-decoder.ts';
import { MemorySegmentSink } from '../src/segments/memory-segment-sink.ts';
import { SegmentPublisher } from '../src/segments/segment-publisher.ts';
import { SpeechPipeline } from '../src/session/speech-pipeline.ts';
import { DEFAULT_VAD } from '../src/vad/vad-config.ts';
import { encodeOpusFrames, layOutStream, type StreamPacket } from '../testing/opus-packet-stream.ts';
import { buildSpeechFixture } from '../testing/speech-fixture.ts';

const TARGET_CPU_RTF = 0.02;
const TARGET_LATENCY_P95_MS = 50;
const TICK_MS = 10;

const { values } = parseArgs({
  options: {
    speakers: { type: 'string', default: '8' },
    repeat: { type: 'string', default: '4' },
    json: { type: 'boolean', default: false },
  },
});
const speakers = Number(values.speakers);
const repeat = Number(values.repeat);
if (!Number.isInteger(speakers) || speakers < 1 || !Number.isInteger(repeat) || repeat < 1) {
  console.error('--speakers and --repeat must be positive integers');
  process.exit(2);
}

function cpuSeconds(fn: () => void): number {
  const before = process.cpuUsage();
  fn();
  const d = process.cpuUsage(before);
  return (d.user + d.system) / 1e6;
}

function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

function pipelineFor(
  scheduler: Scheduler,
  onLatency: (ms: number) => void,
  sink: MemorySegmentSink,
  sync: boolean,
) {
  const publisher = new SegmentPublisher({
    origin: { provider: 'discord', tenant: 'bench', sessionId: 'bench-session' },
    sink,
    scheduler,
    vad: DEFAULT_VAD,
    capacity: 1_000,
    maxAttempts: 3,
    retryBaseMs: 10,
    onPublished: (_w, ms) => onLatency(ms),
  });
  const pipeline = new SpeechPipeline({
    receiver: { reorder: { depth: 3, maxWaitMs: 60 }, maxGapFillMs: 1_000, resyncMs: 2_000 },
    vad: DEFAULT_VAD,
    packetQueueCapacity: 10_000,
    idleFlushMs: 60,
    ...(sync && { defer: () => {} }),
    onSegment: (s) => publisher.enqueue(s),
    onSpeaking: () => {},
  });
  return { pipeline, publisher };
}

console.error('building the speech fixture (espeak-ng + sox) and encoding it with libopus ...');
const fixture = buildSpeechFixture();
const oneTake = encodeOpusFrames(fixture.stereo);
const packets = Array.from({ length: repeat }, () => oneTake).flat();
const audioSeconds = (packets.length * 20) / 1000;
const phrasesPerTake = fixture.speech.length;

// Phase 1: decode only.
console.error(`phase 1/3: decode only, ${speakers} speakers × ${audioSeconds.toFixed(1)} s`);
const decodeCpu = cpuSeconds(() => {
  for (let s = 0; s < speakers; s++) {
    const d = new OpusFrameDecoder();
    for (const p of packets) d.decode(p);
  }
});
const decodeRtf = decodeCpu / (audioSeconds * speakers);

// Phase 2: the full receive path on a virtual clock.
console.error('phase 2/3: decode + framing + VAD + segment publish, as fast as possible');
const clock = new FakeClock(1_700_000_000_000);
const fastSink = new MemorySegmentSink();
const fast = pipelineFor(clock, () => {}, fastSink, true);
const streams = Array.from({ length: speakers }, (_, s) =>
  layOutStream(packets, { startMs: clock.now(), ssrc: 1000 + s }),
);
const fullCpu = cpuSeconds(() => {
  for (let i = 0; i < packets.length; i++) {
    for (let s = 0; s < speakers; s++) {
      const p = streams[s]![i]!;
      fast.pipeline.onPacket(`user-${s}`, p.opus, p.header, p.arrivalMs);
    }
    fast.pipeline.process();
    if (i % 2 === 1) {
      clock.advance(2 * 20);
      fast.pipeline.tick(clock.now());
    }
  }
  clock.advance(2_000);
  fast.pipeline.tick(clock.now());
});
const cpuPerSpeakerRtf = fullCpu / (audioSeconds * speakers);

// Phase 3: real time with silent gaps, the host's loop, and the real clock.
async function realTime(): Promise<{ latencies: number[]; published: number }> {
  console.error(`phase 3/3: ${speakers} speakers in real time for ${fixture.durationMs / 1000} s`);
  const scheduler = new SystemScheduler();
  const latencies: number[] = [];
  const sink = new MemorySegmentSink();
  const { pipeline, publisher } = pipelineFor(scheduler, (ms) => latencies.push(ms), sink, false);
  const silent = new Set<number>();
  oneTake.forEach((_, i) => {
    const t = i * 20;
    if (!fixture.speech.some((s) => t >= s.startMs - 100 && t <= s.endMs + 100)) silent.add(i);
  });
  const take: StreamPacket[][] = Array.from({ length: speakers }, (_, s) =>
    layOutStream(oneTake, { ssrc: 2000 + s, drop: silent }),
  );
  const byFrame = take.map((stream) => new Map(stream.map((p) => [p.frame, p])));
  const loop = setInterval(() => pipeline.tick(Date.now()), TICK_MS);
  const start = performance.now();
  for (let i = 0; i < oneTake.length; i++) {
    const due = start + i * 20;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const now = Date.now();
    for (let s = 0; s < speakers; s++) {
      const p = byFrame[s]!.get(i);
      if (p) pipeline.onPacket(`user-${s}`, p.opus, p.header, now);
    }
  }
  const expected = speakers * phrasesPerTake;
  await Promise.race([
    sink.waitFor(expected),
    new Promise((r) => setTimeout(r, DEFAULT_VAD.hangover_ms + 2_000)),
  ]);
  clearInterval(loop);
  await publisher.idle();
  return { latencies, published: sink.segments.size };
}

const rt = await realTime();
const p95 = percentile(rt.latencies, 95);
const p50 = percentile(rt.latencies, 50);
const maxSpeakers = Math.floor(1 / cpuPerSpeakerRtf);
const result = {
  speakers,
  audio_seconds_per_speaker: audioSeconds,
  cpu_per_speaker_rtf: Number(cpuPerSpeakerRtf.toFixed(5)),
  baseline: 'opus_decode_only',
  baseline_cpu_per_speaker_rtf: Number(decodeRtf.toFixed(5)),
  ratio_to_baseline: Number((cpuPerSpeakerRtf / decodeRtf).toFixed(3)),
  max_realtime_speakers_one_core: maxSpeakers,
  segment_latency_p50_ms: Number(p50.toFixed(2)),
  segment_latency_p95_ms: Number(p95.toFixed(2)),
  segment_latency_max_ms: Number(Math.max(...rt.latencies).toFixed(2)),
  latency_excludes_hangover_ms: DEFAULT_VAD.hangover_ms,
  segments_published_realtime: rt.published,
  segments_expected_realtime: speakers * phrasesPerTake,
  segments_published_fast: fastSink.segments.size,
  targets: { cpu_per_speaker_rtf: TARGET_CPU_RTF, segment_latency_p95_ms: TARGET_LATENCY_P95_MS },
  meets_targets: cpuPerSpeakerRtf < TARGET_CPU_RTF && p95 < TARGET_LATENCY_P95_MS,
};

const rows: Array<[string, string]> = [
  ['speakers', String(speakers)],
  ['audio per speaker', `${audioSeconds.toFixed(1)} s`],
  ['baseline: Opus decode only, CPU/speaker', `${(decodeRtf * 100).toFixed(3)} % of a core`],
  [
    'full receive path, CPU/speaker',
    `${(cpuPerSpeakerRtf * 100).toFixed(3)} % of a core (target < ${TARGET_CPU_RTF * 100} %)`,
  ],
  ['full path / decode only', `${result.ratio_to_baseline}×`],
  ['max real-time speakers on one core', String(maxSpeakers)],
  ['hangover end → segment stored, p50', `${p50.toFixed(2)} ms`],
  [
    'hangover end → segment stored, p95',
    `${p95.toFixed(2)} ms (target < ${TARGET_LATENCY_P95_MS} ms; hangover ${DEFAULT_VAD.hangover_ms} ms excluded)`,
  ],
  ['segments (real time)', `${rt.published} of ${speakers * phrasesPerTake}`],
];
const width = Math.max(...rows.map(([k]) => k.length));
console.log(rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n'));
if (values.json) console.log(JSON.stringify(result));
