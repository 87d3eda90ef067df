/**
 * The voice host: its sessions, the loop that drives them (and feeds the watchdog), the control
 * connection's commands and voice updates, periodic `voice.health` reports, and the host's health.
 */
import type { Envelope } from '@promethean/schemas/envelope';
import type { ControlToHost } from '@promethean/schemas/voice/voice-relay';
import type { Scheduler, TimerHandle } from '@promethean/shared/broker/scheduler';
import type { ExitFn } from '../config/exit-codes.ts';
import type { HostConfig } from '../config/host-config.ts';
import type { ControlChannel } from '../gateway-adapter/control-channel.ts';
import type { RelayAdapterRegistry } from '../gateway-adapter/relay-adapter-registry.ts';
import { type HealthState, hostState } from '../health/health-state.ts';
import { PcmFetchError, type PcmUrlFetcher } from '../playback/pcm-url-fetcher.ts';
import type { AddResult, PlayItem } from '../playback/playback-queue.ts';
import type { SegmentSink } from '../segments/segment-sink.ts';
import type { SessionHealth } from '../session/session-core.ts';
import type { SessionInfo } from '../session/session-info.ts';
import { VoiceSession } from '../session/voice-session.ts';
import { ProgressTicker } from '../watchdog/progress-ticker.ts';
import { Watchdog } from '../watchdog/watchdog.ts';
import { HostRequestError } from './host-errors.ts';

export const HOST_VERSION = '0.1.0';

export interface VoiceHostOptions {
  readonly config: HostConfig;
  readonly scheduler: Scheduler;
  readonly control: ControlChannel;
  readonly adapters: RelayAdapterRegistry;
  readonly sinkFor: (info: SessionInfo) => SegmentSink;
  readonly fetcher: PcmUrlFetcher;
  readonly log: (line: Record<string, unknown>) => void;
  readonly exit: ExitFn;
}

/** GET /health: states and counters only — no secrets, no user ids, no audio or text. */
export interface HostHealth {
  readonly state: HealthState;
  readonly host_id: string;
  readonly version: string;
  readonly uptime_ms: number;
  readonly control: ControlChannel['status'];
  readonly loop_ticks: number;
  readonly events_dropped: number;
  readonly sessions: SessionHealth[];
}

export class VoiceHost {
  readonly #o: VoiceHostOptions;
  readonly #sessions = new Map<string, VoiceSession>();
  readonly #progress: ProgressTicker;
  readonly #watchdog: Watchdog;
  readonly #startedAt: number;
  #loop: TimerHandle | undefined;
  #healthTimer: TimerHandle | undefined;
  #started = false;
  #stopping = false;
  #controlEverConnected = false;
  #eventsDropped = 0;
  #failingPasses = 0;

  constructor(o: VoiceHostOptions) {
    this.#o = o;
    this.#startedAt = o.scheduler.now();
    this.#progress = new ProgressTicker(this.#startedAt);
    this.#watchdog = new Watchdog({
      scheduler: o.scheduler,
      progress: this.#progress,
      active: () => this.#sessions.size > 0,
      control: () => o.control.status,
      stallMs: o.config.watchdog.stallMs,
      checkMs: o.config.watchdog.checkMs,
      controlGraceMs: o.config.watchdog.controlGraceMs,
      exit: o.exit,
    });
    o.control.onMessage((m) => void this.#onControl(m));
    o.control.onConnected(() => {
      this.#controlEverConnected = true;
      this.#hello();
    });
  }

  /** Starts the loop, the health reports and the watchdog. */
  start(): void {
    this.#started = true;
    this.#scheduleLoop();
    this.#scheduleHealth();
    this.#watchdog.start();
  }

  /** Leaves every session and stops every timer. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#watchdog.stop();
    for (const t of [this.#loop, this.#healthTimer]) if (t) this.#o.scheduler.cancel(t);
    const sessions = [...this.#sessions.values()];
    for (const s of sessions) s.leave();
    // Segments already cut still reach the sink before the process goes.
    await Promise.all(sessions.map((s) => s.core.publisher.idle()));
    this.#o.adapters.destroyAll();
    this.#o.control.close();
  }

  /** Joins a voice channel; joining the same session again is a no-op. */
  join(info: SessionInfo): SessionHealth {
    if (this.#stopping) throw new HostRequestError('the host is shutting down', 503, info.session_id);
    if (info.provider !== 'discord') {
      throw new HostRequestError(
        `this voice host speaks Discord only, not ${info.provider}`,
        400,
        info.session_id,
      );
    }
    const existing = this.#sessions.get(info.session_id);
    if (existing) {
      if (existing.info.guild_id === info.guild_id && existing.info.channel_id === info.channel_id) {
        return existing.health(this.#o.scheduler.now());
      }
      throw new HostRequestError('session exists for another channel', 409, info.session_id);
    }
    for (const s of this.#sessions.values()) {
      if (
        s.info.provider === info.provider &&
        s.info.tenant === info.tenant &&
        s.info.guild_id === info.guild_id
      ) {
        throw new HostRequestError(
          `tenant is already in a channel of this guild (session ${s.info.session_id})`,
          409,
          info.session_id,
        );
      }
    }
    const session = new VoiceSession({
      info,
      config: this.#o.config,
      sink: this.#o.sinkFor(info),
      scheduler: this.#o.scheduler,
      publish: (env) => this.#publish(env),
      log: (line) => this.#o.log({ ...line, session_id: info.session_id }),
      adapterCreator: this.#o.adapters.creator(info.provider, info.tenant, info.guild_id),
      daveEncryption: this.#o.config.daveEncryption,
      onDestroyed: (i) => this.#sessions.delete(i.session_id),
    });
    this.#sessions.set(info.session_id, session);
    this.#o.log({
      level: 'info',
      msg: 'joining voice channel',
      session_id: info.session_id,
      tenant: info.tenant,
    });
    return session.health(this.#o.scheduler.now());
  }

  /** Leaves a session; unknown ids are a 404. */
  leave(sessionId: string): void {
    const s = this.#sessions.get(sessionId);
    if (!s) throw new HostRequestError('no such session', 404, sessionId);
    s.leave();
    this.#sessions.delete(sessionId);
  }

  /** Queues a chunk of synthesized audio for a session. */
  play(sessionId: string, item: PlayItem, pcm: Uint8Array): AddResult {
    const s = this.#sessions.get(sessionId);
    if (!s) throw new HostRequestError('no such session', 404, sessionId);
    if (item.session_id !== sessionId)
      throw new HostRequestError('item.session_id does not match the URL', 400, sessionId);
    if (pcm.byteLength % (2 * item.format.channels) !== 0) {
      throw new HostRequestError(
        `PCM length ${pcm.byteLength} is not whole ${item.format.channels}-channel s16 frames`,
        400,
        sessionId,
      );
    }
    return s.core.play(item, pcm);
  }

  /** Fetches a chunk's PCM from an allowed URL and queues it. */
  async playFromUrl(sessionId: string, item: PlayItem, url: string): Promise<AddResult> {
    if (!this.#sessions.has(sessionId)) throw new HostRequestError('no such session', 404, sessionId);
    try {
      return this.play(sessionId, item, await this.#o.fetcher.fetch(url));
    } catch (e) {
      if (e instanceof PcmFetchError)
        throw new HostRequestError(e.message, e.status, sessionId, { cause: e });
      throw e;
    }
  }

  health(): HostHealth {
    const now = this.#o.scheduler.now();
    const sessions = [...this.#sessions.values()].map((s) => s.health(now));
    return {
      state: hostState(
        sessions.map((s) => s.state),
        {
          started: this.#started,
          stopping: this.#stopping,
          control: this.#o.control.status,
          controlEverConnected: this.#controlEverConnected,
        },
      ),
      host_id: this.#o.config.hostId,
      version: HOST_VERSION,
      uptime_ms: now - this.#startedAt,
      control: this.#o.control.status,
      loop_ticks: this.#progress.count,
      events_dropped: this.#eventsDropped,
      sessions,
    };
  }

  /** One pass of the loop: every session's time-driven work, then a progress tick for the watchdog. */
  #pass(): void {
    const now = this.#o.scheduler.now();
    let healthy = true;
    for (const s of this.#sessions.values()) {
      try {
        s.tick(now);
      } catch (e) {
        healthy = false;
        // Once per failure streak: a broken session would otherwise log 100 lines a second.
        if (this.#failingPasses++ === 0) {
          this.#o.log({
            level: 'error',
            msg: 'session tick failed',
            session_id: s.info.session_id,
            error: String(e),
          });
        }
      }
    }
    // A pass that failed is not progress: a session failing on every pass ends in the watchdog's exit 70.
    if (healthy) {
      this.#failingPasses = 0;
      this.#progress.tick(now);
    }
    this.#scheduleLoop();
  }

  #scheduleLoop(): void {
    if (!this.#stopping) this.#loop = this.#o.scheduler.schedule(this.#o.config.tickMs, () => this.#pass());
  }

  #scheduleHealth(): void {
    this.#healthTimer = this.#o.scheduler.schedule(this.#o.config.health.intervalMs, () => {
      this.#reportHealth();
      if (!this.#stopping) this.#scheduleHealth();
    });
  }

  #reportHealth(): void {
    const now = this.#o.scheduler.now();
    const h = this.health();
    const envelopes = [...this.#sessions.values()].map((s) =>
      s.core.healthEnvelope(s.health(now), this.#o.scheduler),
    );
    this.#o.control.send({ type: 'health', host_state: h.state, envelopes });
  }

  #hello(): void {
    const sessions = [...this.#sessions.values()].map(({ info }) => ({
      session_id: info.session_id,
      provider: info.provider,
      tenant: info.tenant,
      guild_id: info.guild_id,
      channel_id: info.channel_id,
    }));
    this.#o.control.send({ type: 'hello', host_id: this.#o.config.hostId, version: HOST_VERSION, sessions });
  }

  #publish(envelope: Envelope): void {
    if (!this.#o.control.send({ type: 'event', envelope })) this.#eventsDropped++;
  }

  async #onControl(m: ControlToHost): Promise<void> {
    try {
      switch (m.type) {
        case 'voice.state_update':
        case 'voice.server_update':
          this.#o.adapters.dispatch(m);
          return;
        case 'session.join':
          this.join({ ...m.payload, provider: m.provider, tenant: m.tenant });
          return;
        case 'session.leave':
          if (this.#sessions.has(m.payload.session_id)) this.leave(m.payload.session_id);
          return;
        case 'session.play':
          await this.playFromUrl(m.item.session_id, m.item, m.url);
          return;
        case 'ping':
          this.#o.control.send({ type: 'pong', ts: m.ts });
          return;
      }
    } catch (e) {
      this.#o.log({ level: 'warn', msg: 'control command failed', type: m.type, error: String(e) });
    }
  }
}
