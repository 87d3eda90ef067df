/**
 * Health states for a session and for the host: INIT (joining), RUNNING, DEGRADED (dropping or losing
 * audio recently), PAUSED (connection down, trying again), STOPPED (left or shutting down).
 */

export type HealthState = 'INIT' | 'RUNNING' | 'DEGRADED' | 'PAUSED' | 'STOPPED';

/** The voice connection statuses of @discordjs/voice, as strings. */
export type ConnectionStatus = 'signalling' | 'connecting' | 'ready' | 'disconnected' | 'destroyed';

/** Counters whose growth means audio was lost on our side. */
export interface LossCounters {
  readonly droppedFrames: number;
  readonly droppedSegments: number;
  readonly rejectedSegments: number;
  readonly lostPackets: number;
  readonly receivedPackets: number;
}

/** Above this share of lost packets between two observations, a session counts as degraded. */
const LOSS_DEGRADED = 0.1;

/**
 * Remembers when a session last lost audio: any new drop, rejected segment or a burst of packet loss
 * makes it DEGRADED for `windowMs`, after which it recovers by itself.
 */
export class DegradationTracker {
  readonly #windowMs: number;
  #last: LossCounters | undefined;
  #until = Number.NEGATIVE_INFINITY;
  reason: string | undefined;

  constructor(windowMs: number) {
    this.#windowMs = windowMs;
  }

  /** Compares with the previous observation; returns whether the session is degraded at `nowMs`. */
  observe(c: LossCounters, nowMs: number): boolean {
    const p = this.#last ?? {
      droppedFrames: 0,
      droppedSegments: 0,
      rejectedSegments: 0,
      lostPackets: 0,
      receivedPackets: 0,
    };
    const lost = c.lostPackets - p.lostPackets;
    const got = c.receivedPackets - p.receivedPackets;
    const why =
      c.droppedFrames > p.droppedFrames
        ? `dropped ${c.droppedFrames - p.droppedFrames} frames (receive queue full)`
        : c.droppedSegments > p.droppedSegments
          ? `dropped ${c.droppedSegments - p.droppedSegments} segments (ingest queue full)`
          : c.rejectedSegments > p.rejectedSegments
            ? `${c.rejectedSegments - p.rejectedSegments} segments not stored`
            : lost > 0 && lost / (lost + got) > LOSS_DEGRADED
              ? `packet loss ${((100 * lost) / (lost + got)).toFixed(0)}%`
              : undefined;
    this.#last = c;
    if (why !== undefined) {
      this.#until = nowMs + this.#windowMs;
      this.reason = why;
    }
    if (nowMs >= this.#until) this.reason = undefined;
    return nowMs < this.#until;
  }
}

/** A session's state from its connection status, whether it was ever ready, and recent losses. */
export function sessionState(status: ConnectionStatus, everReady: boolean, degraded: boolean): HealthState {
  if (status === 'destroyed') return 'STOPPED';
  if (status !== 'ready') return everReady ? 'PAUSED' : 'INIT';
  return degraded ? 'DEGRADED' : 'RUNNING';
}

/** What the host's own state depends on besides its sessions. */
export interface HostFacts {
  readonly started: boolean;
  readonly stopping: boolean;
  readonly control: 'connected' | 'disconnected' | 'disabled';
  /** The control connection has been open at least once. */
  readonly controlEverConnected: boolean;
}

/**
 * The host's state: INIT until started and (when configured) first connected to the access layer;
 * PAUSED when every session is paused; otherwise the worst of its parts (a lost control connection or
 * any degraded or paused session degrades it).
 */
export function hostState(sessions: readonly HealthState[], f: HostFacts): HealthState {
  if (f.stopping) return 'STOPPED';
  if (!f.started || (f.control === 'disconnected' && !f.controlEverConnected)) return 'INIT';
  if (sessions.length > 0 && sessions.every((s) => s === 'PAUSED')) return 'PAUSED';
  if (f.control === 'disconnected' || sessions.includes('DEGRADED') || sessions.includes('PAUSED')) {
    return 'DEGRADED';
  }
  return 'RUNNING';
}
