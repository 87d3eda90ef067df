/** Runs delivery rounds without being asked (the broker's `autoDeliver` mode): now, or when latency ends. */
import { DrainLimitError } from './broker-errors.ts';
import type { TimerHandle } from './scheduler.ts';
import type { TrackedTimers } from './tracked-timers.ts';

/** What the pump needs from its broker. */
export interface PumpHost {
  readonly timers: TrackedTimers;
  readonly maxRounds: number;
  now(): number;
  /** False once the broker is disconnected or closed: the pump then stays still. */
  isOpen(): boolean;
  /** Runs one exclusive round; resolves with how many deliveries it attempted. */
  runRound(): Promise<number>;
  nextDueAt(): number | undefined;
  pending(): number;
}

/** Schedules rounds on a microtask for due messages and on one timer for the earliest future one. */
export class DeliveryPump {
  readonly #host: PumpHost;
  #queued = false;
  #wake: { at: number; handle: TimerHandle } | undefined;
  #error: Error | undefined;

  constructor(host: PumpHost) {
    this.#host = host;
  }

  /** Makes sure a round runs once `dueAt` is reached. */
  kick(dueAt: number): void {
    if (!this.#host.isOpen()) return;
    if (dueAt > this.#host.now()) {
      this.#armWake(dueAt);
      return;
    }
    if (this.#queued) return;
    this.#queued = true;
    queueMicrotask(() => {
      this.#queued = false;
      void this.#run();
    });
  }

  /** Forgets the wake timer (the broker cancels the timers themselves). */
  reset(): void {
    this.#wake = undefined;
  }

  /** Throws, once, the error a background run hit (nobody awaited it then). */
  rethrow(): void {
    const error = this.#error;
    this.#error = undefined;
    if (error) throw error;
  }

  async #run(): Promise<void> {
    try {
      for (let rounds = 0; this.#host.isOpen(); rounds++) {
        if (rounds >= this.#host.maxRounds) throw new DrainLimitError(rounds, this.#host.pending());
        if ((await this.#host.runRound()) === 0) break;
      }
    } catch (error) {
      this.#error = error instanceof Error ? error : new Error(String(error));
    }
    const next = this.#host.nextDueAt();
    if (next !== undefined && this.#host.isOpen()) this.#armWake(next);
  }

  #armWake(at: number): void {
    if (this.#wake && this.#wake.at <= at) return;
    if (this.#wake) this.#host.timers.cancel(this.#wake.handle);
    const handle = this.#host.timers.set(at - this.#host.now(), () => {
      this.#wake = undefined;
      this.kick(this.#host.now());
    });
    this.#wake = { at, handle };
  }
}
