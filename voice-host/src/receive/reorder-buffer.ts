/** A short reorder buffer: puts slightly late packets back in order, declares gaps lost, drops duplicates. */
import type { TimedPacket } from './timed-packet.ts';

/** How long the buffer may hold packets back waiting for a missing one. */
export interface ReorderOptions {
  /** Packets held behind a gap before the gap is declared lost (3 → at most ~60 ms of delay). */
  readonly depth: number;
  /** A gap older than this (ms since the first packet behind it arrived) is declared lost on `flush`. */
  readonly maxWaitMs: number;
}

/** A sequence jump this large is a new stream (client restart), not loss. */
const RESET_SPAN = 3_000;

/** Counters a health report needs. */
export interface ReorderCounters {
  received: number;
  released: number;
  lost: number;
  duplicates: number;
  reordered: number;
  resets: number;
}

/**
 * Holds packets that arrive ahead of a gap; releases them in sequence order as soon as the gap fills,
 * the buffer exceeds its depth, or the gap has waited `maxWaitMs`. A packet at or behind what was already
 * released (a late duplicate, or a packet already declared lost) is dropped and counted.
 */
export class ReorderBuffer {
  readonly counters: ReorderCounters = {
    received: 0,
    released: 0,
    lost: 0,
    duplicates: 0,
    reordered: 0,
    resets: 0,
  };
  readonly #options: ReorderOptions;
  #pending: TimedPacket[] = [];
  #next: number | undefined;

  constructor(options: ReorderOptions) {
    this.#options = options;
  }

  /** Packets currently held back. */
  get depth(): number {
    return this.#pending.length;
  }

  /** Adds a packet; returns the packets now releasable, in order. */
  push(packet: TimedPacket): TimedPacket[] {
    this.counters.received++;
    const out: TimedPacket[] = [];
    if (this.#next !== undefined && Math.abs(packet.seq - this.#next) > RESET_SPAN) {
      out.push(...this.#releaseAll());
      this.#next = undefined;
      this.counters.resets++;
    }
    this.#next ??= packet.seq;
    if (packet.seq < this.#next || this.#pending.some((p) => p.seq === packet.seq)) {
      this.counters.duplicates++;
      return out;
    }
    const at = this.#pending.findIndex((p) => p.seq > packet.seq);
    if (at === -1) this.#pending.push(packet);
    else {
      this.#pending.splice(at, 0, packet);
      this.counters.reordered++;
    }
    out.push(...this.#drain());
    while (this.#pending.length > this.#options.depth) out.push(...this.#skipGap());
    return out;
  }

  /** Releases what has waited too long behind a gap (call on a timer). */
  flush(nowMs: number): TimedPacket[] {
    const out: TimedPacket[] = [];
    while (this.#pending.length > 0 && nowMs - this.#oldestArrival() >= this.#options.maxWaitMs) {
      out.push(...this.#skipGap());
    }
    return out;
  }

  /** Releases everything held, declaring the gaps lost (the stream ended). */
  flushAll(): TimedPacket[] {
    return this.#releaseAll();
  }

  #releaseAll(): TimedPacket[] {
    const out: TimedPacket[] = [];
    while (this.#pending.length > 0) out.push(...this.#skipGap());
    return out;
  }

  #oldestArrival(): number {
    return Math.min(...this.#pending.map((p) => p.arrivalMs));
  }

  /** Declares the gap before the first held packet lost and releases from there. */
  #skipGap(): TimedPacket[] {
    const head = this.#pending[0];
    if (head === undefined) return [];
    if (this.#next !== undefined && head.seq > this.#next) this.counters.lost += head.seq - this.#next;
    this.#next = head.seq;
    return this.#drain();
  }

  #drain(): TimedPacket[] {
    const out: TimedPacket[] = [];
    while (this.#pending[0] !== undefined && this.#pending[0].seq === this.#next) {
      out.push(this.#pending.shift()!);
      this.#next = (this.#next ?? 0) + 1;
    }
    this.counters.released += out.length;
    return out;
  }
}
