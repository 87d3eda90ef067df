/**
 * Network faults on the fake voice server's outgoing media, on demand and seeded so a run repeats:
 * packet loss, reordering (a packet held back behind the next one), duplicates and jitter (a random
 * extra delay). Every decision is counted so a test knows exactly what it injected.
 */

/** Fault rates (0..1) and the jitter bound; all zero by default. */
export interface MediaFaultSettings {
  loss?: number;
  reorder?: number;
  duplicate?: number;
  jitterMs?: number;
  seed?: number;
}

/** What the faults did so far. */
export interface MediaFaultCounts {
  sent: number;
  lost: number;
  reordered: number;
  duplicated: number;
  delayed: number;
}

/** mulberry32: a small, fast, seedable PRNG (quality is ample for fault dice). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

type Send = (packet: Buffer) => void;

/** Applies the current settings to each packet of one stream (one sender towards one receiver). */
export class MediaFaults {
  readonly counts: MediaFaultCounts = { sent: 0, lost: 0, reordered: 0, duplicated: 0, delayed: 0 };
  #s: Required<MediaFaultSettings> = { loss: 0, reorder: 0, duplicate: 0, jitterMs: 0, seed: 1 };
  #random = prng(1);
  readonly #held = new Map<string, { packet: Buffer; send: Send }>();
  readonly #timers = new Set<NodeJS.Timeout>();

  /** Replaces the settings (and reseeds). */
  set(settings: MediaFaultSettings): void {
    this.#s = {
      loss: settings.loss ?? 0,
      reorder: settings.reorder ?? 0,
      duplicate: settings.duplicate ?? 0,
      jitterMs: settings.jitterMs ?? 0,
      seed: settings.seed ?? 1,
    };
    this.#random = prng(this.#s.seed);
  }

  get settings(): Readonly<Required<MediaFaultSettings>> {
    return this.#s;
  }

  /** Sends `packet` on `stream` through the faults. */
  apply(stream: string, packet: Buffer, send: Send): void {
    this.counts.sent += 1;
    const s = this.#s;
    if (s.loss > 0 && this.#random() < s.loss) {
      this.counts.lost += 1;
      return;
    }
    const held = this.#held.get(stream);
    if (held === undefined && s.reorder > 0 && this.#random() < s.reorder) {
      // Held until the stream's next packet has gone: the pair arrives swapped.
      this.counts.reordered += 1;
      this.#held.set(stream, { packet, send });
      return;
    }
    this.#emit(packet, send);
    if (s.duplicate > 0 && this.#random() < s.duplicate) {
      this.counts.duplicated += 1;
      this.#emit(packet, send);
    }
    if (held !== undefined) {
      this.#held.delete(stream);
      this.#emit(held.packet, held.send);
    }
  }

  /** Sends whatever is held back (end of a burst: the last packet must not wait for one that never comes). */
  flush(stream: string): void {
    const held = this.#held.get(stream);
    if (held === undefined) return;
    this.#held.delete(stream);
    this.#emit(held.packet, held.send);
  }

  /** Cancels delayed packets (server stop). */
  clear(): void {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    this.#held.clear();
  }

  #emit(packet: Buffer, send: Send): void {
    const jitter = this.#s.jitterMs > 0 ? Math.floor(this.#random() * this.#s.jitterMs) : 0;
    if (jitter === 0) {
      send(packet);
      return;
    }
    this.counts.delayed += 1;
    const t = setTimeout(() => {
      this.#timers.delete(t);
      send(packet);
    }, jitter);
    this.#timers.add(t);
  }
}
