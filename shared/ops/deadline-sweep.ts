/**
 * Bounds every wait of one invocation with a single timer, armed at the earliest deadline still pending.
 * An agent invocation makes several effect calls; a timer set and cleared around each call was a
 * measurable share of a Worker's CPU (setTimeout/clearTimeout, ~5–7 % in the crawl and live-path
 * profiles). Here a settled wait only leaves the set; the timer is re-armed only for an earlier deadline,
 * and when it fires it fails the waits that are due and re-arms for the next one.
 *
 * One sweep belongs to one invocation (one request context in Workers, where a timer must not serve
 * another request); `close()` at the invocation's end cancels the timer, so nothing outlives it.
 */
import { type Scheduler, SystemScheduler, type TimerHandle } from '../broker/scheduler.ts';
import { within } from './bounded-wait.ts';

interface PendingWait {
  readonly deadline: number;
  readonly expire: () => void;
}

const systemScheduler = new SystemScheduler();

export class DeadlineSweep {
  readonly #scheduler: Scheduler;
  readonly #waits = new Set<PendingWait>();
  #armed: { at: number; handle: TimerHandle } | undefined;
  #closed = false;

  constructor(scheduler: Scheduler = systemScheduler) {
    this.#scheduler = scheduler;
  }

  /** Like `within`: settles with `work`, or rejects with `onTimeout()` once `ms` have passed. */
  bound<T>(work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
    // A call left running after its invocation ended gets a timer of its own, as before.
    if (this.#closed) return within(work, ms, onTimeout, this.#scheduler);
    return new Promise<T>((resolve, reject) => {
      const wait: PendingWait = {
        deadline: this.#scheduler.now() + ms,
        expire: () => reject(onTimeout()),
      };
      this.#waits.add(wait);
      this.#armFor(wait.deadline);
      work.then(
        (value) => {
          this.#waits.delete(wait);
          resolve(value);
        },
        (error: unknown) => {
          this.#waits.delete(wait);
          reject(error);
        },
      );
    });
  }

  /** Waits not yet settled nor expired. */
  get pending(): number {
    return this.#waits.size;
  }

  /** Cancels the timer; later `bound` calls each get their own (see above). Safe to call twice. */
  close(): void {
    this.#closed = true;
    this.#disarm();
  }

  #armFor(deadline: number): void {
    if (this.#armed && this.#armed.at <= deadline) return;
    this.#disarm();
    const handle = this.#scheduler.schedule(deadline - this.#scheduler.now(), () => this.#sweep());
    this.#armed = { at: deadline, handle };
  }

  #disarm(): void {
    if (this.#armed) this.#scheduler.cancel(this.#armed.handle);
    this.#armed = undefined;
  }

  #sweep(): void {
    this.#armed = undefined;
    const now = this.#scheduler.now();
    let next = Number.POSITIVE_INFINITY;
    for (const wait of this.#waits) {
      if (wait.deadline <= now) {
        this.#waits.delete(wait);
        wait.expire();
      } else if (wait.deadline < next) {
        next = wait.deadline;
      }
    }
    if (next !== Number.POSITIVE_INFINITY) this.#armFor(next);
  }
}
