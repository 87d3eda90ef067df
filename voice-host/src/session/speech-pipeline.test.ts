import { describe, expect, it } from 'vitest';
import { encodeOpusFrames, layOutStream, type StreamPacket } from '../../testing/opus-packet-stream.ts';
import { buildSpeechFixture } from '../../testing/speech-fixture.ts';
import type { AssembledSegment } from '../segments/segment-assembler.ts';
import { DEFAULT_VAD, VadConfig } from '../vad/vad-config.ts';
import { SpeechPipeline } from './speech-pipeline.ts';

const fixture = buildSpeechFixture();
const packets = encodeOpusFrames(fixture.stereo);
const START = 1_700_000_000_000;

function pipeline(vad = DEFAULT_VAD, capacity = 256) {
  const segments: AssembledSegment[] = [];
  const speaking: Array<[boolean, number]> = [];
  const deferred: Array<() => void> = [];
  const p = new SpeechPipeline({
    receiver: { reorder: { depth: 3, maxWaitMs: 60 }, maxGapFillMs: 1_000, resyncMs: 2_000 },
    vad,
    packetQueueCapacity: capacity,
    idleFlushMs: 80,
    defer: (fn) => deferred.push(fn),
    onSegment: (s) => segments.push(s),
    onSpeaking: (_u, s, ts) => speaking.push([s, ts]),
  });
  return { p, segments, speaking, deferred };
}

/** Delivers packets in arrival order with a 10 ms tick between, like the host loop does. */
function deliver(p: SpeechPipeline, stream: StreamPacket[], endMs: number): void {
  let now = START;
  for (const pkt of stream) {
    while (now + 10 <= pkt.arrivalMs) {
      now += 10;
      p.tick(now);
    }
    p.onPacket('ada', pkt.opus, pkt.header, pkt.arrivalMs);
    p.process();
  }
  for (; now <= endMs; now += 10) p.tick(now);
}

const exact = VadConfig.parse({ pre_roll_ms: 0, post_roll_ms: 0 });

describe('SpeechPipeline on real Opus speech', () => {
  it('cuts one segment per phrase within 60 ms of the known silences, despite loss and reordering', () => {
    const drop = new Set([40, 41, 77, 130, 131, 132, 200]);
    const swapWithNext = new Set([20, 60, 95, 150, 210]);
    const stream = layOutStream(packets, {
      startMs: START,
      drop,
      swapWithNext,
      duplicate: new Set([33]),
      firstSeq: 65_500,
    });
    const { p, segments } = pipeline(exact);
    deliver(p, stream, START + fixture.durationMs + 1_000);

    expect(segments).toHaveLength(fixture.speech.length);
    segments.forEach((s, i) => {
      const truth = fixture.speech[i]!;
      expect(Math.abs(s.tsStart - START - truth.startMs)).toBeLessThanOrEqual(60);
      expect(Math.abs(s.tsEnd - START - truth.endMs)).toBeLessThanOrEqual(60);
      expect(s.pcm.length).toBe(((s.tsEnd - s.tsStart) * 48) | 0);
    });
    const stats = p.stats();
    expect(stats.packetLoss).toBeGreaterThan(0);
    expect(stats.decodeFailures).toBe(0);
  });

  it('keeps pre-roll and post-roll around the speech with the default config', () => {
    const { p, segments } = pipeline(DEFAULT_VAD);
    deliver(p, layOutStream(packets, { startMs: START }), START + fixture.durationMs + 1_000);
    expect(segments).toHaveLength(fixture.speech.length);
    segments.forEach((s, i) => {
      const truth = fixture.speech[i]!;
      expect(Math.abs(s.tsStart - START - (truth.startMs - DEFAULT_VAD.pre_roll_ms))).toBeLessThanOrEqual(60);
      expect(Math.abs(s.tsEnd - START - (truth.endMs + DEFAULT_VAD.post_roll_ms))).toBeLessThanOrEqual(60);
    });
  });

  it('closes segments by idle time when the speaker stops sending during silences', () => {
    // A real client sends nothing while silent: drop every frame outside speech (plus a 100 ms margin).
    const silent = new Set<number>();
    packets.forEach((_, i) => {
      const t = i * 20;
      if (!fixture.speech.some((s) => t >= s.startMs - 100 && t <= s.endMs + 100)) silent.add(i);
    });
    const { p, segments, speaking } = pipeline(exact);
    deliver(p, layOutStream(packets, { startMs: START, drop: silent }), START + fixture.durationMs + 1_000);
    expect(segments).toHaveLength(fixture.speech.length);
    segments.forEach((s, i) => {
      expect(Math.abs(s.tsStart - START - fixture.speech[i]!.startMs)).toBeLessThanOrEqual(60);
      expect(Math.abs(s.tsEnd - START - fixture.speech[i]!.endMs)).toBeLessThanOrEqual(60);
    });
    expect(speaking.map(([s]) => s)).toEqual([true, false, true, false, true, false]);
    // Lost-packet accounting ignores the talk-spurt gaps' sequence continuity only when seq jumps: here the
    // sequence numbers of unsent frames were skipped, so they count as lost — as they would for real loss.
    expect(p.stats().speakers).toBe(1);
  });

  it('never blocks receive: a full queue drops the oldest packets and counts them', () => {
    const { p } = pipeline(DEFAULT_VAD, 8);
    const stream = layOutStream(packets.slice(0, 30), { startMs: START });
    for (const pkt of stream) p.onPacket('ada', pkt.opus, pkt.header, pkt.arrivalMs);
    expect(p.stats().queueDepth).toBe(8);
    expect(p.stats().droppedFrames).toBe(22);
    expect(p.process()).toBe(8);
  });

  it('counts a packet that is not Opus and recovers on the next one', () => {
    const { p } = pipeline(DEFAULT_VAD);
    const stream = layOutStream(packets.slice(0, 10), { startMs: START });
    stream.forEach((pkt, i) => {
      p.onPacket('ada', i === 4 ? Buffer.from([0xff, 0xff, 0xff]) : pkt.opus, pkt.header, pkt.arrivalMs);
    });
    p.process();
    expect(p.stats().decodeFailures).toBe(1);
    expect(p.stats().framesProcessed).toBeGreaterThanOrEqual(9);
  });
});

/**
 * Like `deliver`, but the loop stalls for `stallMs` from `stallFrom`: no ticks, and the packets that
 * arrive meanwhile are read only after the first (late) tick — timers run before the socket is polled —
 * and before deferred work (setImmediate's check phase comes after the poll phase).
 */
function deliverWithStall(
  p: SpeechPipeline,
  deferred: Array<() => void>,
  stream: StreamPacket[],
  stallFrom: number,
  stallMs: number,
  endMs: number,
  /** Called with the loop's time after every tick and every check phase. */
  observe: (nowMs: number) => void = () => undefined,
): void {
  const stallEnd = stallFrom + stallMs;
  const stalled = (t: number) => t > stallFrom && t < stallEnd;
  let now = START;
  const checkPhase = () => {
    for (let f = deferred.shift(); f !== undefined; f = deferred.shift()) f();
    observe(now);
  };
  const tickTo = (t: number) => {
    while (now + 10 <= t) {
      now += 10;
      checkPhase();
      if (!stalled(now)) p.tick(now);
      observe(now);
    }
  };
  for (const pkt of stream) {
    const arrival = stalled(pkt.arrivalMs) ? stallEnd : pkt.arrivalMs;
    tickTo(arrival);
    p.onPacket('ada', pkt.opus, pkt.header, arrival);
    p.process();
  }
  tickTo(endMs);
  checkPhase();
}

describe('SpeechPipeline under a stalled event loop', () => {
  const stream = layOutStream(packets, { startMs: START });
  const end = START + fixture.durationMs + 1_000;

  it('a 600 ms stall in the middle of a phrase does not split it (RTP timeline; quiet judged after the socket is read)', () => {
    const { p, segments, deferred } = pipeline(exact);
    const stallFrom = START + fixture.speech[1]!.startMs + 500 - ((fixture.speech[1]!.startMs + 500) % 10);
    deliverWithStall(p, deferred, stream, stallFrom, 600, end);
    expect(p.stalledMs).toBeGreaterThanOrEqual(550);
    expect(segments).toHaveLength(fixture.speech.length);
    segments.forEach((s, i) => {
      const truth = fixture.speech[i]!;
      expect(Math.abs(s.tsStart - START - truth.startMs)).toBeLessThanOrEqual(60);
      expect(Math.abs(s.tsEnd - START - truth.endMs)).toBeLessThanOrEqual(60);
    });
  });

  it('stalls of 300, 900 and 1500 ms at several points never split a phrase nor merge two', () => {
    for (const stallMs of [300, 900, 1_500]) {
      for (const phrase of fixture.speech) {
        const at = phrase.startMs + 200;
        const { p, segments, deferred } = pipeline(exact);
        deliverWithStall(p, deferred, stream, START + at - (at % 10), stallMs, end + stallMs);
        expect(segments, `stall ${stallMs} ms at ${at}`).toHaveLength(fixture.speech.length);
      }
    }
  });

  it('speech that really ended during a stall still closes, at most one hangover after the stall', () => {
    const { p, segments, deferred } = pipeline(exact);
    const last = fixture.speech.at(-1)!;
    const stallFrom = START + last.endMs + 100 - ((last.endMs + 100) % 10);
    deliverWithStall(p, deferred, stream, stallFrom, 600, end + 600);
    expect(segments).toHaveLength(fixture.speech.length);
    expect(Math.abs(segments.at(-1)!.tsEnd - START - last.endMs)).toBeLessThanOrEqual(60);
  });

  it('a stall inside the hangover does not lengthen it: the segment closes one hangover after the speech', () => {
    const { p, segments, deferred } = pipeline(exact);
    const last = fixture.speech.at(-1)!;
    // As a Discord client does: the speech, five frames of silence, then nothing (the hangover runs on idle).
    const sent = layOutStream(packets.slice(0, Math.ceil(last.endMs / 20) + 5), { startMs: START });
    const stallFrom = START + last.endMs + 150 - ((last.endMs + 150) % 10);
    let closedAt: number | undefined;
    deliverWithStall(p, deferred, sent, stallFrom, 200, end, (now) => {
      if (closedAt === undefined && segments.length === fixture.speech.length) closedAt = now;
    });
    expect(segments).toHaveLength(fixture.speech.length);
    // Speech end + hangover, plus the last frame and a tick or two; the stall's 200 ms must not be added.
    expect(closedAt! - START - last.endMs).toBeLessThanOrEqual(exact.hangover_ms + 60);
  });
});
