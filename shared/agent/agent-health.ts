/**
 * An agent's health from its manifest's settings: a state machine (INIT, RUNNING, DEGRADED, PAUSED,
 * STOPPED), liveness (work in hand makes progress) kept apart from readiness (dependencies answer).
 */
import type { AgentManifest } from '@promethean/schemas/manifest';
import type { HealthState } from '@promethean/schemas/ops/ops-messages';
import type { Clock } from './envelope-factory.ts';

const TRANSITIONS: Readonly<Record<HealthState, readonly HealthState[]>> = {
  INIT: ['RUNNING', 'DEGRADED', 'STOPPED'],
  RUNNING: ['DEGRADED', 'PAUSED', 'STOPPED'],
  DEGRADED: ['RUNNING', 'PAUSED', 'STOPPED'],
  PAUSED: ['RUNNING', 'STOPPED'],
  STOPPED: ['INIT'],
};

/** A transition the state machine does not allow, e.g. STOPPED → RUNNING without a restart. */
export class HealthTransitionError extends Error {
  override readonly name = 'HealthTransitionError';
  constructor(agent: string, from: HealthState, to: HealthState) {
    super(`agent ${agent}: health cannot go from ${from} to ${to}`);
  }
}

/** What an operator asked of an agent: hold its messages (`paused`), take it out of service (`stopped`). */
export type AgentControlState = 'paused' | 'stopped';

export interface HealthReport {
  agent: string;
  kind: AgentManifest['kind'];
  version: string;
  state: HealthState;
  ready: boolean;
  live: boolean;
  reason?: string;
  last_progress_at: string | null;
  handled: number;
  errors: number;
  /** Work started and not finished in this isolate. */
  in_flight: number;
  interval_ms: number;
  liveness_timeout_ms: number;
}

export class AgentHealth {
  readonly #manifest: AgentManifest;
  readonly #clock: Clock;
  #state: HealthState = 'INIT';
  #reason: string | undefined;
  #ready = true;
  #lastProgress: number | null = null;
  #handled = 0;
  #errors = 0;
  #recentFailures = 0;
  #inFlight = 0;
  #busySince: number | null = null;

  constructor(manifest: AgentManifest, clock: Clock) {
    this.#manifest = manifest;
    this.#clock = clock;
  }

  get state(): HealthState {
    return this.#state;
  }

  /** Moves to `to`; throws `HealthTransitionError` for a transition the machine forbids. */
  transition(to: HealthState, reason?: string): void {
    if (to === this.#state) {
      this.#reason = reason;
      return;
    }
    if (!TRANSITIONS[this.#state].includes(to))
      throw new HealthTransitionError(this.#manifest.id, this.#state, to);
    this.#state = to;
    this.#reason = reason;
  }

  /** Work began: from now until it finishes, the ticker must keep moving for the agent to be live. */
  startWork(): void {
    if (this.#inFlight === 0) this.#busySince = this.#clock.now();
    this.#inFlight++;
  }

  /** Work begun with `startWork` finished (successfully or not): records its outcome. */
  finishWork(ok: boolean): void {
    if (this.#inFlight > 0) this.#inFlight--;
    if (this.#inFlight === 0) this.#busySince = null;
    this.recordOutcome(ok);
  }

  /**
   * Applies an operator's control: `paused` → PAUSED, `stopped` → STOPPED, `undefined` (resumed or
   * started) → RUNNING from PAUSED, INIT from STOPPED (RUNNING again on the next success).
   */
  applyControl(control: AgentControlState | undefined, reason?: string): void {
    if (control === 'paused') {
      if (this.#state === 'STOPPED') this.transition('INIT');
      if (this.#state === 'INIT') this.transition('RUNNING');
      this.transition('PAUSED', reason ?? 'paused by an operator');
    } else if (control === 'stopped') {
      this.transition('STOPPED', reason ?? 'stopped by an operator');
    } else if (this.#state === 'PAUSED') {
      this.transition('RUNNING', reason);
      if (!this.#ready) this.transition('DEGRADED', 'dependencies not ready');
    } else if (this.#state === 'STOPPED') {
      this.transition('INIT', reason);
    }
  }

  /** Records a handled message: the progress ticker moves, and repeated failures degrade the agent. */
  recordOutcome(ok: boolean): void {
    this.#handled++;
    this.#lastProgress = this.#clock.now();
    if (ok) {
      this.#recentFailures = 0;
      if (this.#state === 'INIT' || (this.#state === 'DEGRADED' && this.#ready)) this.transition('RUNNING');
      return;
    }
    this.#errors++;
    this.#recentFailures++;
    if (this.#recentFailures >= 5 && (this.#state === 'RUNNING' || this.#state === 'INIT')) {
      this.transition('DEGRADED', `${this.#recentFailures} consecutive failures`);
    }
  }

  /** Readiness: whether the agent's dependencies answer; not ready degrades a running agent. */
  setReady(ready: boolean, reason?: string): void {
    this.#ready = ready;
    if (!ready && (this.#state === 'RUNNING' || this.#state === 'INIT')) this.transition('DEGRADED', reason);
    if (ready && this.#state === 'DEGRADED' && this.#recentFailures === 0) this.transition('RUNNING');
  }

  /**
   * Live unless work is in hand and the ticker stood still longer than `liveness_timeout_ms` since the
   * later of the last progress and the moment the agent became busy. An idle agent is live: a queue
   * worker with nothing to do is waiting, not stuck.
   */
  isLive(): boolean {
    if (this.#state === 'STOPPED') return false;
    if (this.#inFlight === 0 || this.#busySince === null) return true;
    const moved = Math.max(this.#busySince, this.#lastProgress ?? this.#busySince);
    return this.#clock.now() - moved <= this.#manifest.health.liveness_timeout_ms;
  }

  get ready(): boolean {
    return this.#ready;
  }

  report(): HealthReport {
    return {
      agent: this.#manifest.id,
      kind: this.#manifest.kind,
      version: this.#manifest.version,
      state: this.#state,
      ready: this.#ready,
      live: this.isLive(),
      ...(this.#reason !== undefined && { reason: this.#reason }),
      last_progress_at: this.#lastProgress === null ? null : new Date(this.#lastProgress).toISOString(),
      handled: this.#handled,
      errors: this.#errors,
      in_flight: this.#inFlight,
      interval_ms: this.#manifest.health.interval_ms,
      liveness_timeout_ms: this.#manifest.health.liveness_timeout_ms,
    };
  }
}
