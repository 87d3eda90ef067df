/**
 * Energy voice activity detection: each 20 ms frame's RMS level in dBFS against a start threshold (to
 * begin speech) and a lower stop threshold (to stay in speech), with an optional adaptive noise floor.
 */
import type { VadConfig } from './vad-config.ts';

/** The floor of the dB scale: digital silence reads as this, not -Infinity. */
export const SILENCE_DB = -100;

/** RMS level of s16 samples in dB relative to full scale. */
export function frameDbfs(samples: Int16Array): number {
  let sum = 0;
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i]!;
    sum += s * s;
  }
  if (sum === 0) return SILENCE_DB;
  const rms = Math.sqrt(sum / samples.length) / 32768;
  return Math.max(SILENCE_DB, 20 * Math.log10(rms));
}

/** How fast the noise floor follows quieter frames (fast) and louder non-speech frames (slow). */
const FLOOR_FALL = 0.2;
const FLOOR_RISE = 0.01;

/**
 * Classifies frames as voiced or not, per speaker. Hysteresis: `start_threshold_db` to begin, then
 * `stop_threshold_db` while voiced. With `adaptive`, the start level is at least the noise floor (tracked
 * over non-voiced frames) plus `noise_margin_db`, so steady background noise does not count as speech.
 */
export class EnergyVad {
  readonly #config: VadConfig;
  #voiced = false;
  /** Unknown until the first non-voiced frame, which sets it directly. */
  #floorDb: number | undefined;

  constructor(config: VadConfig) {
    this.#config = config;
  }

  /** The current estimate of the background level (dBFS). */
  get noiseFloorDb(): number {
    return this.#floorDb ?? SILENCE_DB;
  }

  /** Whether this frame is speech. */
  classify(samples: Int16Array): boolean {
    const db = frameDbfs(samples);
    const c = this.#config;
    const floor = c.adaptive ? this.noiseFloorDb : SILENCE_DB;
    const adaptiveStart = Math.max(c.start_threshold_db, floor + c.noise_margin_db);
    const adaptiveStop = Math.max(c.stop_threshold_db, floor + c.noise_margin_db / 2);
    this.#voiced = this.#voiced ? db >= adaptiveStop : db >= adaptiveStart;
    if (!this.#voiced) this.#trackFloor(db);
    return this.#voiced;
  }

  #trackFloor(db: number): void {
    if (this.#floorDb === undefined) {
      this.#floorDb = db;
      return;
    }
    const rate = db < this.#floorDb ? FLOOR_FALL : FLOOR_RISE;
    this.#floorDb += (db - this.#floorDb) * rate;
  }
}
