/** A heartbeat the receive/playback loop bumps on every pass, so the watchdog can tell it is alive. */

export class ProgressTicker {
  #count = 0;
  #lastAt: number;

  constructor(nowMs: number) {
    this.#lastAt = nowMs;
  }

  /** The loop finished a pass at `nowMs`. */
  tick(nowMs: number): void {
    this.#count++;
    this.#lastAt = nowMs;
  }

  get count(): number {
    return this.#count;
  }

  get lastAt(): number {
    return this.#lastAt;
  }
}
