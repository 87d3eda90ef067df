/**
 * One speaker's segmentation: frames → energy VAD → speech gate → segments of contiguous mono PCM with a
 * little pre-roll and post-roll, split at the maximum length; also reports speaking start/stop.
 */
import { FRAME_MS, FRAME_SAMPLES, type MonoFrame } from '../audio/discord-pcm.ts';
import { EnergyVad } from '../vad/energy-vad.ts';
import { type GateEvent, SpeechGate } from '../vad/speech-gate.ts';
import type { VadConfig } from '../vad/vad-config.ts';

/** A finished utterance of one speaker. */
export interface AssembledSegment {
  readonly userId: string;
  /** Start of the first sample (ms, speaker timeline). */
  readonly tsStart: number;
  /** End of the last sample; the PCM is exactly (tsEnd - tsStart) ms long. */
  readonly tsEnd: number;
  /** Mono 48 kHz s16. */
  readonly pcm: Int16Array;
  /** When the segment was decided: hangover expiry, or the split point (ms, speaker timeline). */
  readonly closedAt: number;
  /** True when cut at the maximum length while the speaker went on. */
  readonly split: boolean;
}

/** Where an assembler sends what it finds. */
export interface AssemblerListener {
  segment(segment: AssembledSegment): void;
  speaking(userId: string, speaking: boolean, ts: number): void;
}

export class SegmentAssembler {
  readonly #userId: string;
  readonly #config: VadConfig;
  readonly #listener: AssemblerListener;
  readonly #vad: EnergyVad;
  readonly #gate: SpeechGate;
  #recent: MonoFrame[] = [];
  #frames: MonoFrame[] = [];
  #lastEmittedEnd = Number.NEGATIVE_INFINITY;

  constructor(userId: string, config: VadConfig, listener: AssemblerListener) {
    this.#userId = userId;
    this.#config = config;
    this.#listener = listener;
    this.#vad = new EnergyVad(config);
    this.#gate = new SpeechGate(config);
  }

  /** True while an utterance is open. */
  get open(): boolean {
    return this.#gate.open;
  }

  frame(f: MonoFrame): void {
    const voiced = this.#vad.classify(f.samples);
    if (this.#gate.open) this.#fillShortJump(f.ts);
    for (const e of this.#gate.frame(f.ts, voiced)) this.#on(e, f.ts);
    if (this.#gate.open) {
      this.#frames.push(f);
      if (this.#frames.length * FRAME_MS >= this.#config.max_segment_ms) this.#split();
    }
    this.#remember(f);
  }

  /** Closes an utterance whose speaker has sent nothing for a full hangover. */
  idle(nowMs: number): void {
    for (const e of this.#gate.idle(nowMs)) this.#on(e, nowMs);
  }

  /** Closes whatever is open (the session ends). */
  end(): void {
    for (const e of this.#gate.forceClose()) this.#on(e, Number.POSITIVE_INFINITY);
  }

  #on(e: GateEvent, ts: number): void {
    if (e.kind === 'open') this.#frames = this.#preRoll(ts);
    else if (e.kind === 'confirmed') this.#listener.speaking(this.#userId, true, e.ts);
    else this.#close(e.lastVoicedEnd, e.closedAt, e.confirmed);
  }

  /** Recent frames directly before `ts`, not overlapping the previous segment. */
  #preRoll(ts: number): MonoFrame[] {
    const keep: MonoFrame[] = [];
    let expected = ts - FRAME_MS;
    for (let i = this.#recent.length - 1; i >= 0; i--) {
      const f = this.#recent[i]!;
      if (f.ts !== expected || f.ts < this.#lastEmittedEnd || ts - f.ts > this.#config.pre_roll_ms) break;
      keep.unshift(f);
      expected -= FRAME_MS;
    }
    return keep;
  }

  #remember(f: MonoFrame): void {
    this.#recent.push(f);
    const max = Math.ceil(this.#config.pre_roll_ms / FRAME_MS);
    if (this.#recent.length > max) this.#recent.splice(0, this.#recent.length - max);
  }

  /** Inside an utterance the PCM stays contiguous: a jump shorter than the hangover becomes silence. */
  #fillShortJump(ts: number): void {
    const last = this.#frames.at(-1);
    if (last === undefined) return;
    for (
      let t = last.ts + FRAME_MS;
      t < ts && ts - this.#gate.lastVoicedEnd < this.#config.hangover_ms;
      t += FRAME_MS
    ) {
      this.#frames.push({
        userId: this.#userId,
        ts: t,
        samples: new Int16Array(FRAME_SAMPLES),
        filled: true,
      });
    }
  }

  #close(lastVoicedEnd: number, closedAt: number, confirmed: boolean): void {
    const end = lastVoicedEnd + this.#config.post_roll_ms;
    const kept = this.#frames.filter((f) => f.ts < end);
    this.#frames = [];
    if (!confirmed) return;
    this.#emit(kept, closedAt, false);
    this.#listener.speaking(this.#userId, false, lastVoicedEnd);
  }

  #split(): void {
    const frames = this.#frames;
    this.#frames = [];
    if (this.#gate.confirmed) this.#emit(frames, frames.at(-1)!.ts + FRAME_MS, true);
  }

  #emit(frames: MonoFrame[], closedAt: number, split: boolean): void {
    const first = frames[0];
    const last = frames.at(-1);
    if (first === undefined || last === undefined) return;
    const pcm = new Int16Array(frames.length * FRAME_SAMPLES);
    frames.forEach((f, i) => {
      pcm.set(f.samples, i * FRAME_SAMPLES);
    });
    this.#lastEmittedEnd = last.ts + FRAME_MS;
    this.#listener.segment({
      userId: this.#userId,
      tsStart: first.ts,
      tsEnd: last.ts + FRAME_MS,
      pcm,
      closedAt,
      split,
    });
  }
}
