import { describe, expect, it } from 'vitest';
import { encodeOpusFrames, layOutStream } from '../../testing/opus-packet-stream.ts';
import { SpeakerReceiver } from './speaker-receiver.ts';

const tone = Int16Array.from({ length: 960 * 2 * 10 }, (_, i) => Math.round(8_000 * Math.sin(i / 7)));
const packets = encodeOpusFrames(tone);
const options = { reorder: { depth: 3, maxWaitMs: 60 }, maxGapFillMs: 1_000, resyncMs: 2_000 };

describe('SpeakerReceiver', () => {
  it('emits one 20 ms frame per packet on a timeline anchored to the first arrival', () => {
    const r = new SpeakerReceiver('u', options);
    const frames = layOutStream(packets, { startMs: 5_000 }).flatMap((p) =>
      r.receive(p.opus, p.header, p.arrivalMs),
    );
    expect(frames.map((f) => f.ts)).toEqual(Array.from({ length: 10 }, (_, i) => 5_000 + 20 * i));
    expect(frames.every((f) => f.samples.length === 960 && !f.filled)).toBe(true);
  });

  it('fills lost packets with silence frames so time stays true', () => {
    const r = new SpeakerReceiver('u', options);
    const frames = layOutStream(packets, { startMs: 0, drop: new Set([3, 4]) }).flatMap((p) =>
      r.receive(p.opus, p.header, p.arrivalMs),
    );
    expect(frames.map((f) => f.ts)).toEqual(Array.from({ length: 10 }, (_, i) => 20 * i));
    expect(frames.map((f) => f.filled)).toEqual([
      false,
      false,
      false,
      true,
      true,
      false,
      false,
      false,
      false,
      false,
    ]);
    expect(r.stats()).toMatchObject({ lost: 2, filledFrames: 2 });
  });

  it('keeps RTP numbering for a packet that arrives without a header', () => {
    const r = new SpeakerReceiver('u', options);
    const stream = layOutStream(packets, { startMs: 0, firstSeq: 65_530 });
    const frames = stream.flatMap((p, i) => r.receive(p.opus, i === 5 ? undefined : p.header, p.arrivalMs));
    expect(frames.map((f) => f.ts)).toEqual(Array.from({ length: 10 }, (_, i) => 20 * i));
    expect(r.headerless).toBe(1);
    expect(r.stats().lost).toBe(0);
  });

  it('places packets by arrival when no RTP header is ever known', () => {
    const r = new SpeakerReceiver('u', options);
    const arrivals = [0, 21, 39, 100, 121];
    const frames = arrivals.flatMap((t, i) => r.receive(packets[i]!, undefined, 1_000 + t));
    expect(frames.map((f) => f.ts)).toEqual([1_000, 1_020, 1_040, 1_060, 1_080, 1_100, 1_120]);
    expect(frames.filter((f) => f.filled)).toHaveLength(2);
  });
});
