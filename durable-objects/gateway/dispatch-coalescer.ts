/**
 * Holds what the gateway dispatches for a short window under load, so one queue message carries many
 * envelopes (docs/operations.md, Cost). A dispatch that comes after a quiet spell is published at once;
 * a dispatch that follows another closely waits at most `windowMs` after the oldest envelope held, and
 * never past `envelopes` envelopes or `bytes` of JSON.
 *
 * GatewaySession saves its seq only after what it holds is published, so whatever an eviction drops
 * from here is replayed by Discord on RESUME, under the same envelope ids.
 */
import type { Envelope } from '@promethean/schemas/envelope';
import { QUEUE_BATCH_LIMITS } from '@promethean/shared/broker/queue-body';

/** `window` (the default) holds under load; `off` publishes every dispatch at once, as before. */
export type CoalesceMode = 'window' | 'off';

/** The mode from the access Worker's optional GATEWAY_COALESCE var; anything but `off` coalesces. */
export function coalesceModeOf(value: unknown): CoalesceMode {
  return value === 'off' ? 'off' : 'window';
}

export interface CoalesceLimits {
  /** The longest an envelope waits: a small share of the 1 s freshness target. */
  windowMs: number;
  /** A dispatch this soon after the previous one means the session is busy: hold it. */
  busyGapMs: number;
  envelopes: number;
  bytes: number;
}

export const DEFAULT_COALESCE_LIMITS: CoalesceLimits = Object.freeze({
  windowMs: 100,
  busyGapMs: 100,
  envelopes: QUEUE_BATCH_LIMITS.envelopes,
  bytes: QUEUE_BATCH_LIMITS.bytes,
});

const UTF8 = new TextEncoder();

export class DispatchCoalescer {
  readonly #mode: CoalesceMode;
  readonly #limits: CoalesceLimits;
  #held: Envelope[] = [];
  #bytes = 0;
  #oldestAt = 0;
  #lastArrivalAt = Number.NEGATIVE_INFINITY;

  constructor(mode: CoalesceMode, limits: CoalesceLimits = DEFAULT_COALESCE_LIMITS) {
    this.#mode = mode;
    this.#limits = limits;
  }

  get mode(): CoalesceMode {
    return this.#mode;
  }

  get size(): number {
    return this.#held.length;
  }

  /**
   * Takes one dispatch's envelopes (possibly none) and answers when to publish what is held: undefined
   * for at once, else the time to publish at the latest.
   */
  add(envelopes: readonly Envelope[], now: number): number | undefined {
    const busy = now - this.#lastArrivalAt < this.#limits.busyGapMs;
    this.#lastArrivalAt = now;
    for (const e of envelopes) {
      if (this.#held.length === 0) this.#oldestAt = now;
      this.#held.push(e);
      if (this.#mode === 'window') this.#bytes += UTF8.encode(JSON.stringify(e)).length;
    }
    if (this.#held.length === 0) return undefined;
    if (this.#mode === 'off' || !busy) return undefined;
    if (this.#held.length >= this.#limits.envelopes || this.#bytes >= this.#limits.bytes) return undefined;
    const due = this.#oldestAt + this.#limits.windowMs;
    return due <= now ? undefined : due;
  }

  /** Everything held, oldest first; the coalescer is empty afterwards. */
  take(): Envelope[] {
    const held = this.#held;
    this.#held = [];
    this.#bytes = 0;
    return held;
  }

  /** Puts back envelopes whose publish failed, ahead of anything held since, to go with the next flush. */
  restore(envelopes: readonly Envelope[], now: number): void {
    if (envelopes.length === 0) return;
    this.#held = [...envelopes, ...this.#held];
    this.#oldestAt = now;
    if (this.#mode === 'window')
      this.#bytes = this.#held.reduce((n, e) => n + UTF8.encode(JSON.stringify(e)).length, 0);
  }
}
