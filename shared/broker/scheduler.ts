/** The time source and timer service the in-memory broker runs on: real timers or a fake clock. */

/** Identifies one scheduled callback so it can be cancelled. */
export interface TimerHandle {
  readonly id: number;
}

/** Tells time and runs callbacks later; `FakeClock` and `SystemScheduler` both implement it. */
export interface Scheduler {
  now(): number;
  schedule(delayMs: number, callback: () => void): TimerHandle;
  cancel(handle: TimerHandle): void;
  /**
   * True when time only moves when a test says so (a fake clock): nobody may wait on such a timer
   * expecting it to fire by itself.
   */
  readonly manual: boolean;
}

/** Wall-clock time and `setTimeout`, for running the broker in real time. */
export class SystemScheduler implements Scheduler {
  readonly manual = false;
  readonly #timers = new Map<number, ReturnType<typeof setTimeout>>();
  #nextId = 0;

  now(): number {
    return Date.now();
  }

  schedule(delayMs: number, callback: () => void): TimerHandle {
    const id = ++this.#nextId;
    const timer = setTimeout(
      () => {
        this.#timers.delete(id);
        callback();
      },
      Math.max(0, delayMs),
    );
    this.#timers.set(id, timer);
    return { id };
  }

  cancel(handle: TimerHandle): void {
    clearTimeout(this.#timers.get(handle.id));
    this.#timers.delete(handle.id);
  }

  /** Timers scheduled and not yet fired or cancelled. */
  pendingTimers(): number {
    return this.#timers.size;
  }
}
