/**
 * Turns per-frame voiced/unvoiced decisions into speech events: open at the first voiced frame, confirm
 * once `min_speech_ms` is voiced, close after `hangover_ms` without voice (by frames or by idle time).
 */
import { FRAME_MS } from '../audio/discord-pcm.ts';
import type { VadConfig } from './vad-config.ts';

export type GateEvent =
  | { readonly kind: 'open'; readonly ts: number }
  | { readonly kind: 'confirmed'; readonly ts: number }
  | {
      readonly kind: 'close';
      /** End of the last voiced frame (ms). */
      readonly lastVoicedEnd: number;
      /** When the hangover ran out: lastVoicedEnd + hangover_ms. */
      readonly closedAt: number;
      readonly confirmed: boolean;
    };

export class SpeechGate {
  readonly #config: VadConfig;
  #open = false;
  #confirmed = false;
  #voicedMs = 0;
  #lastVoicedEnd = 0;

  constructor(config: VadConfig) {
    this.#config = config;
  }

  get open(): boolean {
    return this.#open;
  }

  get confirmed(): boolean {
    return this.#confirmed;
  }

  /** End of the last voiced frame while open (ms). */
  get lastVoicedEnd(): number {
    return this.#lastVoicedEnd;
  }

  /** One frame starting at `ts`; a gap since the last frame counts as silence. */
  frame(ts: number, voiced: boolean): GateEvent[] {
    const events: GateEvent[] = [];
    if (this.#open && ts - this.#lastVoicedEnd >= this.#config.hangover_ms) events.push(this.#close());
    if (voiced) {
      if (!this.#open) {
        this.#open = true;
        this.#confirmed = false;
        this.#voicedMs = 0;
        events.push({ kind: 'open', ts });
      }
      this.#voicedMs += FRAME_MS;
      this.#lastVoicedEnd = ts + FRAME_MS;
      if (!this.#confirmed && this.#voicedMs >= Math.max(FRAME_MS, this.#config.min_speech_ms)) {
        this.#confirmed = true;
        events.push({ kind: 'confirmed', ts: ts + FRAME_MS });
      }
    } else if (this.#open && ts + FRAME_MS - this.#lastVoicedEnd >= this.#config.hangover_ms) {
      events.push(this.#close());
    }
    return events;
  }

  /** No frames for a while: closes once `nowMs` is a full hangover past the last voiced frame. */
  idle(nowMs: number): GateEvent[] {
    if (!this.#open || nowMs - this.#lastVoicedEnd < this.#config.hangover_ms) return [];
    return [this.#close()];
  }

  /** Closes now, whatever the hangover (the session is ending). */
  forceClose(): GateEvent[] {
    return this.#open ? [this.#close()] : [];
  }

  #close(): GateEvent {
    this.#open = false;
    return {
      kind: 'close',
      lastVoicedEnd: this.#lastVoicedEnd,
      closedAt: this.#lastVoicedEnd + this.#config.hangover_ms,
      confirmed: this.#confirmed,
    };
  }
}
