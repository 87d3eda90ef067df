/**
 * Everything operational one Worker isolate keeps: its agents' health trackers, admission control,
 * the operators' agent controls as last seen, and the counters it flushes to the ops ledger (after each
 * batch, at most once per flush window). Per isolate by nature (Workers share nothing in memory); the ledger is where isolates meet.
 */

import type { Envelope } from '@promethean/schemas/envelope';
import { Health } from '@promethean/schemas/ops/ops-messages';
import { AdmissionController } from '../agent/admission-control.ts';
import type { Agent } from '../agent/agent-definition.ts';
import type { AgentHealth } from '../agent/agent-health.ts';
import {
  type Clock,
  createEnvelope,
  type IdSource,
  randomIds,
  systemClock,
} from '../agent/envelope-factory.ts';
import { healthOf } from '../agent/isolate-health.ts';
import { componentTelemetry } from '../agent/telemetry.ts';
import type { AgentControls, RouterObserver } from '../broker/queue-consumer-router.ts';
import type { Scheduler } from '../broker/scheduler.ts';
import { type NumberVarSpec, numberVarOrFallback } from '../platform/number-var.ts';
import type { AgentControl, AgentHealthReport, OpsDelta } from './ops-delta.ts';
import { OpsRecorder } from './ops-recorder.ts';
import { type ReadinessCheck, type ReadinessResult, runReadiness } from './readiness-probes.ts';

/** The ledger as an isolate sees it: where deltas go and where controls come from. */
export interface OpsLedgerPort {
  /** Throws `DeltaRefusedError` when the ledger refuses the delta itself (it will never be accepted). */
  record(delta: OpsDelta): Promise<{ controls: AgentControl[] }>;
  controls(): Promise<AgentControl[]>;
}

/** The ledger refused a delta as invalid: retrying it cannot help, so it is dropped (and logged). */
export class DeltaRefusedError extends Error {
  override readonly name = 'DeltaRefusedError';
}

/** Where health events go: any broker; one that can publish many at once (`QueueBroker`) uses one batch. */
export interface HealthPublisher {
  publish(envelope: Envelope): Promise<void>;
  publishMany?(envelopes: readonly Envelope[]): Promise<unknown>;
}

/** Health events about agents (not tenants) go out under this provider, with the Worker as tenant. */
export const PLATFORM_PROVIDER = 'platform';

export interface IsolateOpsOptions {
  /** Short Worker name, used as the tenant of its health events: `functions`, `access`. */
  worker: string;
  agents: readonly Agent[];
  clock?: Clock;
  ids?: IdSource;
  /** The health tracker of an agent; the isolate's shared trackers by default. */
  health?: (agent: Agent) => AgentHealth;
  admission?: AdmissionController;
  /** How long cached agent controls are trusted before the next batch fetches them again. */
  controlsTtlMs?: number;
}

/**
 * The default flush window: 0, one ledger write per batch. Queue batches of one message each
 * (interactions at load) cost one write each; a window makes it one per isolate per window, the counts of
 * the batches inside it riding on the next flush (the next batch after it, or the cron tick).
 */
export const DEFAULT_FLUSH_WINDOW_MS = 0;

/** `OPS_FLUSH_WINDOW_MS` (both Workers): milliseconds, `0` = one write per batch; at most the cron tick's minute. */
export const OPS_FLUSH_WINDOW_MS: NumberVarSpec = {
  name: 'OPS_FLUSH_WINDOW_MS',
  fallback: DEFAULT_FLUSH_WINDOW_MS,
  min: 0,
  max: 60_000,
};

/** The flush window from the optional variable (an invalid value is logged and the default used). */
export function flushWindowMs(value: unknown): number {
  return numberVarOrFallback(OPS_FLUSH_WINDOW_MS, value);
}

const OK_OUTCOMES = new Set(['ok', 'skipped']);
const RAN_OUTCOMES = new Set(['ok', 'skipped', 'retry', 'failed']);

export class IsolateOps implements AgentControls {
  readonly worker: string;
  readonly isolate: string;
  readonly agents: readonly Agent[];
  readonly recorder = new OpsRecorder();
  readonly admission: AdmissionController;
  readonly #clock: Clock;
  readonly #ids: IdSource;
  readonly #health: (agent: Agent) => AgentHealth;
  readonly #controlsTtlMs: number;
  #controls = new Map<string, AgentControl>();
  #controlsAt: number | undefined;
  readonly #applied = new Map<string, AgentControl['state'] | undefined>();
  readonly #lastHealthEvent = new Map<string, number>();
  #readiness: { at: number; results: ReadinessResult[] } | undefined;
  #flushedAt: number | undefined;

  constructor(o: IsolateOpsOptions) {
    this.worker = o.worker;
    this.agents = o.agents;
    this.isolate = crypto.randomUUID();
    this.#clock = o.clock ?? systemClock;
    this.#ids = o.ids ?? randomIds;
    this.#health = o.health ?? healthOf;
    this.admission = o.admission ?? new AdmissionController();
    this.#controlsTtlMs = o.controlsTtlMs ?? 10_000;
  }

  /** The tracker of one of this Worker's agents. */
  health(agent: Agent): AgentHealth {
    return this.#health(agent);
  }

  /** The router's view of controls (`AgentControls`). */
  control(agentId: string): AgentControl['state'] | undefined {
    return this.#controls.get(agentId)?.state;
  }

  controls(): AgentControl[] {
    return [...this.#controls.values()];
  }

  /** Feeds health trackers (progress, outcomes) and the counters from the router. */
  observer(): RouterObserver {
    return {
      started: (agent, envelope) => {
        this.#health(agent).startWork();
        this.recorder.hop(agent.manifest.id, envelope);
      },
      settled: (m) => {
        this.recorder.settled(m);
        const agent = this.agents.find((a) => a.manifest.id === m.agent);
        if (agent && m.outcome && RAN_OUTCOMES.has(m.outcome)) {
          this.#health(agent).finishWork(OK_OUTCOMES.has(m.outcome));
        }
      },
    };
  }

  /** Every agent's health in this isolate, operator controls applied. */
  healthReports(): AgentHealthReport[] {
    return this.agents.map((a) => this.#health(a).report());
  }

  /** True when the cached controls are older than their TTL (or were never fetched). */
  controlsStale(): boolean {
    return this.#controlsAt === undefined || this.#clock.now() - this.#controlsAt > this.#controlsTtlMs;
  }

  /** Makes the next `refreshControls` read the ledger whatever the TTL says. */
  invalidateControls(): void {
    this.#controlsAt = undefined;
  }

  /** Replaces the cached controls and moves each agent's health into PAUSED/STOPPED or back. */
  applyControls(controls: readonly AgentControl[]): void {
    this.#controls = new Map(controls.map((c) => [c.agent, c]));
    this.#controlsAt = this.#clock.now();
    for (const agent of this.agents) {
      const control = this.#controls.get(agent.manifest.id);
      if (this.#applied.get(agent.manifest.id) === control?.state) continue;
      this.#health(agent).applyControl(control?.state, control?.reason);
      this.#applied.set(agent.manifest.id, control?.state);
    }
  }

  /** Fetches controls when the cache is stale; a failure keeps the old ones (fails open to running). */
  async refreshControls(ledger: OpsLedgerPort): Promise<void> {
    if (!this.controlsStale()) return;
    this.recorder.durableObjectRequest();
    try {
      this.applyControls(await ledger.controls());
    } catch (e) {
      logOpsFailure('could not read agent controls from the ops ledger', e);
    }
  }

  /** `health` envelopes for the agents whose `interval_ms` has elapsed since their last one (all if `force`). */
  dueHealthEvents(force = false) {
    const now = this.#clock.now();
    const due = this.agents.filter((a) => {
      const last = this.#lastHealthEvent.get(a.manifest.id);
      return force || last === undefined || now - last >= a.manifest.health.interval_ms;
    });
    return due.map((a) => {
      this.#lastHealthEvent.set(a.manifest.id, now);
      const r = this.#health(a).report();
      return createEnvelope(
        Health,
        {
          agent: r.agent,
          state: r.state,
          ready: r.ready,
          live: r.live,
          ...(r.reason !== undefined && { reason: r.reason }),
          details: {
            worker: this.worker,
            isolate: this.isolate,
            in_flight: r.in_flight,
            handled: r.handled,
            errors: r.errors,
            last_progress_at: r.last_progress_at,
          },
        },
        {
          src: r.agent,
          provider: PLATFORM_PROVIDER,
          tenant: this.worker,
          clock: this.#clock,
          ids: this.#ids,
        },
      );
    });
  }

  /** Publishes the due health events in one batch; never throws (health must not fail a batch). */
  async publishHealth(broker: HealthPublisher, force = false): Promise<number> {
    const events = this.dueHealthEvents(force);
    if (events.length === 0) return 0;
    try {
      if (broker.publishMany) await broker.publishMany(events);
      else for (const e of events) await broker.publish(e);
    } catch (e) {
      logOpsFailure('could not publish health events', e);
      return 0;
    }
    return events.length;
  }

  /**
   * Sends everything counted since the last flush to the ledger (one Durable Object request) and takes
   * the controls it answers with. On failure the delta is put back for the next flush; never throws.
   */
  async flush(ledger: OpsLedgerPort): Promise<boolean> {
    this.#flushedAt = this.#clock.now();
    this.recorder.durableObjectRequest();
    const delta = this.recorder.takeDelta({
      worker: this.worker,
      isolate: this.isolate,
      at: this.#clock.now(),
      health: this.healthReports(),
    });
    try {
      const answer = await ledger.record(delta);
      this.applyControls(answer.controls);
      return true;
    } catch (e) {
      if (e instanceof DeltaRefusedError) logOpsFailure('the ops ledger refused a delta; dropped', e);
      else {
        this.recorder.restore(delta);
        logOpsFailure('could not flush counters to the ops ledger', e);
      }
      return false;
    }
  }

  /**
   * The flush after a batch, at most one per `windowMs` in this isolate: inside the window the batch's
   * counts stay in the recorder for the next flush (nothing waits: a batch held open for the window's end
   * slowed the queue's consumption to a crawl in a measured run). `windowMs` 0 flushes every time.
   * False when nothing was sent. Never throws.
   */
  async flushAfterBatch(ledger: OpsLedgerPort, windowMs: number): Promise<boolean> {
    if (this.#flushedAt !== undefined && this.#clock.now() - this.#flushedAt < windowMs) return false;
    return this.flush(ledger);
  }

  /**
   * Runs every agent's readiness checks and records the outcome in its health. With `maxAgeMs`, results
   * younger than that are answered again without probing: an open `/ready` then costs the stores at most
   * one round of probes per isolate per `maxAgeMs`, however often it is called.
   */
  async checkReadiness(
    checksFor: (agent: Agent) => readonly ReadinessCheck[],
    o: { timeoutMs?: number; scheduler?: Scheduler; maxAgeMs?: number } = {},
  ): Promise<ReadinessResult[]> {
    const now = this.#clock.now();
    if (this.#readiness && o.maxAgeMs !== undefined && now - this.#readiness.at < o.maxAgeMs) {
      return this.#readiness.results;
    }
    const results = await Promise.all(
      this.agents.map(async (agent) => {
        const result = await runReadiness(
          agent.manifest.id,
          checksFor(agent),
          o.timeoutMs ?? 2_000,
          o.scheduler,
        );
        this.#health(agent).setReady(result.ready, result.reason);
        return result;
      }),
    );
    this.#readiness = { at: now, results };
    return results;
  }
}

function logOpsFailure(msg: string, e: unknown): void {
  componentTelemetry('isolate-ops').error(msg, { error: e instanceof Error ? e.message : String(e) });
}

const byWorker = new Map<string, IsolateOps>();

/** This isolate's `IsolateOps` for a Worker, created on first use. */
export function isolateOps(worker: string, agents: readonly Agent[]): IsolateOps {
  let ops = byWorker.get(worker);
  if (!ops) {
    ops = new IsolateOps({ worker, agents });
    byWorker.set(worker, ops);
  }
  return ops;
}
