/** A manual clock for deterministic tests: time moves only on `advance`, firing due timers in order. */
import type { Scheduler, TimerHandle } from '../broker/scheduler.ts';

interface FakeTimer {
  readonly id: number;
  readonly at: number;
  readonly callback: () => void;
}

/** A timer still waiting to fire. */
export interface PendingTimer {
  readonly id: number;
  /** Absolute time (ms) it fires at. */
  readonly at: number;
}

function assertMs(label: string, ms: number): void {
  if (!Number.isFinite(ms) || ms < 0) {
    throw new RangeError(`FakeClock: ${label} must be a finite number >= 0, got ${ms}`);
  }
}

/**
 * Implements `Clock` (`now()`) and `Scheduler`. Timers that share a due time fire in the order they
 * were set, so two runs of the same test observe the same interleaving.
 */
export class FakeClock implements Scheduler {
  readonly manual = true;
  #now: number;
  #nextId = 0;
  #timers: FakeTimer[] = [];

  constructor(startMs = 0) {
    assertMs('startMs', startMs);
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  /** Runs `callback` once `delayMs` have passed (a delay of 0 fires on the next `advance`, even `advance(0)`). */
  setTimer(delayMs: number, callback: () => void): TimerHandle {
    assertMs('delayMs', delayMs);
    return this.setTimerAt(this.#now + delayMs, callback);
  }

  /** Runs `callback` when the clock reaches `atMs`; a time already past fires on the next `advance`. */
  setTimerAt(atMs: number, callback: () => void): TimerHandle {
    assertMs('atMs', atMs);
    const timer = { id: ++this.#nextId, at: Math.max(atMs, this.#now), callback };
    // Insert after every timer due at or before it: ties keep the order they were set in.
    const index = this.#timers.findIndex((t) => t.at > timer.at);
    if (index === -1) this.#timers.push(timer);
    else this.#timers.splice(index, 0, timer);
    return { id: timer.id };
  }

  /** Cancels a timer; unknown or already fired timers are ignored. */
  clearTimer(handle: TimerHandle | number): void {
    const id = typeof handle === 'number' ? handle : handle.id;
    this.#timers = this.#timers.filter((t) => t.id !== id);
  }

  schedule(delayMs: number, callback: () => void): TimerHandle {
    return this.setTimer(Math.max(0, delayMs), callback);
  }

  cancel(handle: TimerHandle): void {
    this.clearTimer(handle);
  }

  /**
   * Moves time forward by `ms`, firing every timer due on the way in time order with `now()` set to
   * each timer's due time; timers set by those callbacks fire too if they fall inside the window.
   * Returns how many timers fired.
   */
  advance(ms: number): number {
    assertMs('advance(ms)', ms);
    const target = this.#now + ms;
    let fired = 0;
    for (let next = this.#timers[0]; next !== undefined && next.at <= target; next = this.#timers[0]) {
      this.#timers.shift();
      this.#now = next.at;
      fired++;
      next.callback();
    }
    this.#now = target;
    return fired;
  }

  /** Timers not yet fired, earliest first. */
  pendingTimers(): readonly PendingTimer[] {
    return this.#timers.map(({ id, at }) => ({ id, at }));
  }
}
