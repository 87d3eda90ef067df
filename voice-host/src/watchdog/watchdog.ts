/**
 * The host's watchdog: exits (so the supervisor restarts the process) when the receive/playback loop
 * stops making progress while a session is active, when its own checks run far too late (the event loop
 * was blocked), or when the control connection stays down longer than its grace period.
 */
import type { Scheduler, TimerHandle } from '@promethean/shared/broker/scheduler';
import { ExitCode, type ExitFn } from '../config/exit-codes.ts';
import type { ProgressTicker } from './progress-ticker.ts';

export type ControlStatus = 'connected' | 'disconnected' | 'disabled';

export interface WatchdogOptions {
  readonly scheduler: Scheduler;
  readonly progress: ProgressTicker;
  /** True while at least one voice session is active. */
  readonly active: () => boolean;
  readonly control: () => ControlStatus;
  /** No progress for this long while active → exit 70. */
  readonly stallMs: number;
  readonly checkMs: number;
  /** Control connection down this long → exit 71. */
  readonly controlGraceMs: number;
  readonly exit: ExitFn;
}

export class Watchdog {
  readonly #o: WatchdogOptions;
  #timer: TimerHandle | undefined;
  #lastCheck: number | undefined;
  #activeSince: number | undefined;
  #controlDownSince: number | undefined;
  #fired = false;

  constructor(options: WatchdogOptions) {
    this.#o = options;
  }

  start(): void {
    this.#lastCheck = this.#o.scheduler.now();
    this.#schedule();
  }

  stop(): void {
    if (this.#timer) this.#o.scheduler.cancel(this.#timer);
    this.#timer = undefined;
  }

  /** One check at `nowMs` (the timer calls this; tests may too). */
  check(nowMs: number): void {
    if (this.#fired) return;
    const late = this.#lastCheck === undefined ? 0 : nowMs - this.#lastCheck - this.#o.checkMs;
    this.#lastCheck = nowMs;
    if (late > this.#o.stallMs) {
      this.#exit(ExitCode.stalled, { detail: 'event loop blocked', blocked_ms: Math.round(late) });
      return;
    }
    this.#checkProgress(nowMs);
    if (!this.#fired) this.#checkControl(nowMs);
  }

  #checkProgress(nowMs: number): void {
    if (!this.#o.active()) {
      this.#activeSince = undefined;
      return;
    }
    this.#activeSince ??= nowMs;
    const since = Math.max(this.#o.progress.lastAt, this.#activeSince);
    if (nowMs - since > this.#o.stallMs) {
      this.#exit(ExitCode.stalled, {
        detail: 'receive/playback loop made no progress while a session was active',
        idle_ms: nowMs - since,
        ticks: this.#o.progress.count,
      });
    }
  }

  #checkControl(nowMs: number): void {
    if (this.#o.control() !== 'disconnected') {
      this.#controlDownSince = undefined;
      return;
    }
    this.#controlDownSince ??= nowMs;
    const down = nowMs - this.#controlDownSince;
    if (down > this.#o.controlGraceMs) {
      this.#exit(ExitCode.controlLost, { detail: 'control connection not re-established', down_ms: down });
    }
  }

  #exit(code: ExitCode, detail: Record<string, unknown>): void {
    this.#fired = true;
    this.stop();
    this.#o.exit(code, detail);
  }

  #schedule(): void {
    this.#timer = this.#o.scheduler.schedule(this.#o.checkMs, () => {
      this.check(this.#o.scheduler.now());
      if (!this.#fired) this.#schedule();
    });
  }
}
