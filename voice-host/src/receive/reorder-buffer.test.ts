import { describe, expect, it } from 'vitest';
import { ReorderBuffer } from './reorder-buffer.ts';
import type { TimedPacket } from './timed-packet.ts';
import { WrapUnwrapper } from './wrap-unwrapper.ts';

const pkt = (seq: number, arrivalMs = seq * 20): TimedPacket => ({
  seq,
  rtpTs: seq * 960,
  arrivalMs,
  opus: new Uint8Array([seq & 0xff]),
});
const seqs = (ps: TimedPacket[]) => ps.map((p) => p.seq);

describe('ReorderBuffer', () => {
  it('puts a swapped pair back in order without waiting', () => {
    const b = new ReorderBuffer({ depth: 3, maxWaitMs: 60 });
    expect(seqs(b.push(pkt(10)))).toEqual([10]);
    expect(seqs(b.push(pkt(12)))).toEqual([]);
    expect(seqs(b.push(pkt(11)))).toEqual([11, 12]);
    expect(b.counters).toMatchObject({ lost: 0, reordered: 1 });
  });

  it('declares a gap lost once more than `depth` packets wait behind it', () => {
    const b = new ReorderBuffer({ depth: 2, maxWaitMs: 1_000 });
    b.push(pkt(1));
    expect(seqs([...b.push(pkt(3)), ...b.push(pkt(4))])).toEqual([]);
    expect(seqs(b.push(pkt(5)))).toEqual([3, 4, 5]);
    expect(b.counters.lost).toBe(1);
  });

  it('declares a gap lost after maxWaitMs on flush', () => {
    const b = new ReorderBuffer({ depth: 5, maxWaitMs: 60 });
    b.push(pkt(1, 0));
    b.push(pkt(3, 40));
    expect(seqs(b.flush(99))).toEqual([]);
    expect(seqs(b.flush(100))).toEqual([3]);
    expect(b.counters.lost).toBe(1);
  });

  it('drops duplicates and packets behind what was released', () => {
    const b = new ReorderBuffer({ depth: 3, maxWaitMs: 60 });
    b.push(pkt(1));
    b.push(pkt(2));
    expect(b.push(pkt(2))).toEqual([]);
    expect(b.push(pkt(1))).toEqual([]);
    expect(b.counters.duplicates).toBe(2);
  });

  it('treats a huge jump as a new stream, not as loss', () => {
    const b = new ReorderBuffer({ depth: 3, maxWaitMs: 60 });
    b.push(pkt(1));
    expect(seqs(b.push(pkt(50_000)))).toEqual([50_000]);
    expect(b.counters).toMatchObject({ lost: 0, resets: 1 });
  });
});

describe('WrapUnwrapper', () => {
  it('extends 16-bit sequence numbers across the wrap, in either order', () => {
    const u = new WrapUnwrapper(16);
    expect([65_534, 65_535, 1, 0, 2].map((s) => u.unwrap(s))).toEqual([
      65_534, 65_535, 65_537, 65_536, 65_538,
    ]);
  });

  it('extends 32-bit timestamps across the wrap', () => {
    const u = new WrapUnwrapper(32);
    expect(u.unwrap(0xffff_fc40)).toBe(0xffff_fc40);
    expect(u.unwrap(0x0000_0000)).toBe(2 ** 32);
  });
});
