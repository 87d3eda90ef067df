/** A Sleeper whose time only moves when a test says so; sleeping callers wake in time order. */
import type { Sleeper } from './bucket-queue.ts';

export class ManualClock implements Sleeper {
  #now: number;
  #sleepers: Array<{ at: number; wake: () => void }> = [];

  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((wake) => {
      this.#sleepers.push({ at: this.#now + ms, wake });
      this.#sleepers.sort((a, b) => a.at - b.at);
    });
  }

  /** Moves time forward, waking each sleeper whose time has come and letting it run. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    for (;;) {
      await flush();
      const next = this.#sleepers[0];
      if (!next || next.at > target) break;
      this.#sleepers.shift();
      this.#now = next.at;
      next.wake();
    }
    this.#now = target;
    await flush();
  }

  get sleeping(): number {
    return this.#sleepers.length;
  }
}

async function flush(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}
