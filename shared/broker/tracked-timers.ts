/** Timers a broker set on its scheduler, kept so closing the broker can cancel every one of them. */
import type { Scheduler, TimerHandle } from './scheduler.ts';

/** Wraps a `Scheduler`, remembering live timers and sleepers until they fire or `cancelAll()` runs. */
export class TrackedTimers {
  readonly #scheduler: Scheduler;
  readonly #handles = new Set<TimerHandle>();
  readonly #sleepers = new Set<() => void>();

  constructor(scheduler: Scheduler) {
    this.#scheduler = scheduler;
  }

  /** Live timers, sleeps included. */
  get size(): number {
    return this.#handles.size;
  }

  set(delayMs: number, callback: () => void): TimerHandle {
    const handle = this.#scheduler.schedule(Math.max(0, delayMs), () => {
      this.#handles.delete(handle);
      callback();
    });
    this.#handles.add(handle);
    return handle;
  }

  cancel(handle: TimerHandle): void {
    this.#scheduler.cancel(handle);
    this.#handles.delete(handle);
  }

  /** Resolves after `ms`, or at once when `cancelAll()` runs, so no caller waits forever on a closed broker. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        this.#sleepers.delete(wake);
        resolve();
      };
      this.#sleepers.add(wake);
      this.set(ms, wake);
    });
  }

  cancelAll(): void {
    for (const handle of this.#handles) this.#scheduler.cancel(handle);
    this.#handles.clear();
    for (const wake of [...this.#sleepers]) wake();
  }
}
