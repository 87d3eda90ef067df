/**
 * GatewaySession: one Durable Object per Discord tenant and shard that owns the gateway WebSocket.
 * session_id, seq and resume_gateway_url are persisted on every change and an alarm drives heartbeats
 * and reconnects, so the session resumes after eviction, a deploy or a dropped socket.
 */

import { DurableObject } from 'cloudflare:workers';
import { Health } from '@promethean/schemas/ops/ops-messages';
import { createEnvelope, randomIds } from '@promethean/shared/agent/envelope-factory';
import { componentTelemetry } from '@promethean/shared/agent/telemetry';
import { queueBusFor } from '@promethean/shared/broker/bus-for';
import type { QueueBroker } from '@promethean/shared/broker/queue-broker';
import { ProviderRegistry, type TenantView } from '@promethean/shared/platform/provider-registry';
import { type GatewayIdentifyData, GatewayOpcodes } from 'discord-api-types/v10';
import providersYml from '../../providers.yml';
import { coalesceModeOf, DispatchCoalescer } from '../gateway/dispatch-coalescer.ts';
import { dispatchEnvelopes, publishModeOf } from '../gateway/dispatch-publisher.ts';
import { type ChannelMark, catchUpEnqueues, markChannel, type SessionGap } from '../gateway/gap-catch-up.ts';
import {
  closeAction,
  GatewayBotData,
  GatewayPayload,
  HelloData,
  intentBits,
  ReadyData,
  upgradeUrl,
} from '../gateway/gateway-protocol.ts';
import { SendLimiter } from '../gateway/send-limiter.ts';
import { selfVoiceUpdate } from '../gateway/voice-update-forwarding.ts';
import type { RestResult } from '../rest/rest-executor.ts';
import { accessLedger, accessOps, countedAccessEnv } from '../src/access-ops.ts';

/**
 * How long counted operations wait before the session flushes them to the ops ledger: nothing else in
 * a session's isolate runs often enough to flush them (the cron and access queue batches are rare),
 * and one ledger request per second at most is a small share of a busy session's operations.
 */
const OPS_FLUSH_DELAY_MS = 1_000;

/** How long a publish that failed waits before the session tries it again (the envelopes stay held). */
const PUBLISH_RETRY_MS = 1_000;

export type GatewayStatus =
  | 'idle'
  | 'connecting'
  | 'identifying'
  | 'resuming'
  | 'ready'
  | 'reconnecting'
  | 'waiting'
  | 'stopped';

export interface SessionRecord {
  tenant: string;
  shard: number;
  shards: number;
  desired: 'running' | 'stopped';
  status: GatewayStatus;
  reason?: string;
  session_id?: string;
  seq: number | null;
  resume_gateway_url?: string;
  bot_user_id?: string;
  failures: number;
  /** Envelopes published (a held envelope counts once it is dispatched; see `held` in the health). */
  published: number;
  /** Queue messages those envelopes travelled in: below `published` when dispatches were coalesced. */
  queue_messages?: number;
  dropped: number;
  /**
   * Sequence numbers of the last dispatches published (newest last), for the status page and audits.
   * In memory it includes dispatches still held for coalescing; it is saved only once they are published.
   */
  recent_seqs: number[];
  /** Sockets opened so far: a rising count with a steady session_id means resumes. */
  connections: number;
  /** When start() was last called: shards space their IDENTIFYs from here. */
  started_at?: number;
  /** The last message published per recently active channel (bounded): where a catch-up starts. */
  active_channels?: ChannelMark[];
  /** Open while a new session is being set up after the old one could not be resumed. */
  gap?: SessionGap;
  /** The last gap closed: when, why, and how many channels were caught up through the backfill. */
  last_gap?: SessionGap & { closed_at: number; channels: number };
  /** Catch-up backfill jobs started so far. */
  catch_up_jobs?: number;
}

/** Discord allows one IDENTIFY per 5 s per rate-limit key (shard_id % max_concurrency). */
const IDENTIFY_SPACING_MS = 5_000;

const RECENT_SEQS = 500;

export interface GatewayHealth extends SessionRecord {
  connected: boolean;
  heartbeat_interval_ms: number | null;
  ping_ms: number | null;
  last_ack_at: number | null;
  /** Envelopes dispatched but not yet on the bus: held for coalescing, or in a publish still under way. */
  held: number;
}

const RECONNECT_CLOSE = 4900;

function newSessionRecord(tenant: string, shard: number, shards: number): SessionRecord {
  return {
    tenant,
    shard,
    shards,
    desired: 'running',
    status: 'idle',
    seq: null,
    failures: 0,
    published: 0,
    dropped: 0,
    recent_seqs: [],
    connections: 0,
  };
}

export class GatewaySession extends DurableObject<AccessEnv> {
  #record: SessionRecord | undefined;
  #ws: WebSocket | undefined;
  #heartbeatMs: number | null = null;
  #nextHeartbeatAt = 0;
  #awaitingAck = false;
  #lastHeartbeatAt = 0;
  #lastAckAt: number | null = null;
  #pingMs: number | null = null;
  #limiter = new SendLimiter();
  #connecting = false;
  #opsFlush: ReturnType<typeof setTimeout> | undefined;
  /** The counted bus, built once per instance: its env and the isolate's recorder do not change. */
  #bus: QueueBroker | undefined;
  #tail: Promise<void> = Promise.resolve();
  /** Voice updates reach the voice host link one after another, in the order the gateway sent them. */
  #voiceTail: Promise<void> = Promise.resolve();
  /** What the session dispatched and has not published yet; the seq is saved only after it is. */
  #held: DispatchCoalescer;
  #heldFlush: ReturnType<typeof setTimeout> | undefined;
  /** Publishes one after another, so a save never passes a publish still under way. */
  #publishing: Promise<void> = Promise.resolve();
  /** Envelopes taken from the coalescer whose publish has not finished: still not on the bus. */
  #publishingCount = 0;
  /** The session and seq last written to storage: where a resume after eviction starts. */
  #savedSeq: { session_id: string | undefined; seq: number | null } = { session_id: undefined, seq: null };

  constructor(ctx: DurableObjectState, env: AccessEnv) {
    super(ctx, env);
    this.#held = new DispatchCoalescer(
      coalesceModeOf((env as unknown as { GATEWAY_COALESCE?: unknown }).GATEWAY_COALESCE),
    );
    ctx.blockConcurrencyWhile(async () => {
      this.#record = await ctx.storage.get<SessionRecord>('session');
      if (this.#record) this.#savedSeq = { session_id: this.#record.session_id, seq: this.#record.seq };
      // A new instance of a running session has no socket (evicted, deployed, crashed): whatever woke
      // it, reconnect now rather than at the alarm left for the next heartbeat, up to 41 s away.
      const r = this.#record;
      if (r?.desired === 'running' && r.status !== 'stopped') {
        const at = await ctx.storage.getAlarm();
        if (at === null || at > Date.now() + 10) await ctx.storage.setAlarm(Date.now() + 10);
      }
    });
  }

  /** Drops this instance as an eviction or a deploy would (development routes and benchmarks only). */
  async simulateEviction(): Promise<void> {
    this.ctx.abort('simulated eviction');
  }

  /** Starts (or keeps running) the session for a tenant and shard; validates intents first. */
  async start(tenant: string, shard = 0): Promise<GatewayHealth> {
    const view = this.#tenantView(tenant);
    intentBits(view.config.gateway.intents);
    const r: SessionRecord = this.#record ?? newSessionRecord(tenant, shard, view.config.gateway.shards);
    r.desired = 'running';
    r.started_at = Date.now();
    if (r.status === 'stopped') {
      r.status = 'idle';
      delete r.reason;
    }
    await this.#save(r);
    await this.#drive();
    return this.health();
  }

  /** Ends the session for good (close 1000 invalidates it at Discord too). */
  async stop(reason = 'stopped by request'): Promise<GatewayHealth> {
    const r = this.#required();
    r.desired = 'stopped';
    r.status = 'stopped';
    r.reason = reason;
    delete r.session_id;
    r.seq = null;
    this.#ws?.close(1000, reason);
    this.#ws = undefined;
    await this.ctx.storage.deleteAlarm();
    await this.#save(r);
    await this.#publishHealth();
    return this.health();
  }

  /** Sends op 3 PRESENCE_UPDATE. */
  async presence(status: string, activity?: string): Promise<boolean> {
    const d = { since: null, status, afk: false, activities: activity ? [{ name: activity, type: 0 }] : [] };
    return this.#send({ op: GatewayOpcodes.PresenceUpdate, d });
  }

  /** Sends op 4 VOICE_STATE_UPDATE for the voice host (which never opens its own gateway session). */
  async voiceStateUpdate(d: {
    guild_id: string;
    channel_id: string | null;
    self_mute: boolean;
    self_deaf: boolean;
  }): Promise<boolean> {
    return this.#send({ op: GatewayOpcodes.VoiceStateUpdate, d });
  }

  async health(): Promise<GatewayHealth> {
    const r: SessionRecord = this.#record ?? { ...newSessionRecord('', 0, 1), desired: 'stopped' };
    return {
      ...r,
      connected: this.#ws !== undefined,
      heartbeat_interval_ms: this.#heartbeatMs,
      ping_ms: this.#pingMs,
      last_ack_at: this.#lastAckAt,
      held: this.#held.size + this.#publishingCount,
    };
  }

  override async alarm(): Promise<void> {
    await this.#drive();
  }

  /** One step of the loop: connect when there is no socket, else heartbeat (or detect a zombie). */
  async #drive(): Promise<void> {
    const r = this.#record;
    if (r?.desired !== 'running' || r.status === 'stopped') return;
    const now = Date.now();
    if (!this.#ws) {
      // One connect at a time: an alarm may fire while a start() or a close handler is still connecting.
      if (this.#connecting) return;
      await this.#connect(r);
    } else if (this.#heartbeatMs !== null && now >= this.#nextHeartbeatAt) {
      if (this.#awaitingAck) {
        this.#reconnect('zombie connection: no heartbeat ACK since the last heartbeat');
        return;
      }
      this.#heartbeat();
    }
    await this.#armAlarm();
  }

  async #armAlarm(): Promise<void> {
    const r = this.#record;
    if (r?.desired !== 'running' || r.status === 'stopped') return;
    // The first reconnect goes at once (a resume needs no wait; identifies wait for their slot in
    // #gatewayUrl); then exponential.
    const backoff = r.failures <= 1 ? 0 : Math.min(60_000, 1000 * 2 ** Math.min(r.failures - 2, 6));
    const at =
      this.#ws && this.#heartbeatMs !== null
        ? this.#nextHeartbeatAt
        : Date.now() + (this.#ws ? 5_000 : backoff);
    await this.ctx.storage.setAlarm(Math.max(at, Date.now() + 10));
  }

  async #connect(r: SessionRecord): Promise<void> {
    this.#connecting = true;
    try {
      await this.#open(r);
    } finally {
      this.#connecting = false;
    }
  }

  async #open(r: SessionRecord): Promise<void> {
    const resuming = r.session_id !== undefined && r.resume_gateway_url !== undefined;
    try {
      const url = resuming ? r.resume_gateway_url! : await this.#gatewayUrl(r);
      if (url === undefined) return;
      r.status = 'connecting';
      await this.#save(r);
      const response = await fetch(upgradeUrl(url), { headers: { Upgrade: 'websocket' } });
      const ws = response.webSocket;
      if (!ws) throw new Error(`gateway answered ${response.status} without a WebSocket`);
      ws.accept();
      r.connections = (r.connections ?? 0) + 1;
      this.#attach(ws);
    } catch (e) {
      r.failures++;
      r.status = 'reconnecting';
      r.reason = `connect failed: ${(e as Error).message}`;
      await this.#save(r);
    }
  }

  /** GET /gateway/bot through the tenant's RestBuckets; respects session_start_limit. */
  async #gatewayUrl(r: SessionRecord): Promise<string | undefined> {
    const rest = this.env.REST_BUCKETS.get(this.env.REST_BUCKETS.idFromName(r.tenant));
    const res = (await rest.call(r.tenant, {
      method: 'GET',
      route: '/gateway/bot',
      params: {},
    })) as RestResult;
    if (!res.ok) throw new Error(`GET /gateway/bot failed: ${res.status} ${res.error?.message ?? ''}`);
    const answer = GatewayBotData.safeParse(res.data);
    if (!answer.success) throw new Error(`GET /gateway/bot answered unexpectedly: ${answer.error.message}`);
    const data = answer.data;
    if (data.session_start_limit && data.session_start_limit.remaining <= 0) {
      r.status = 'waiting';
      r.reason = `session_start_limit exhausted; resets in ${data.session_start_limit.reset_after} ms`;
      await this.#save(r);
      await this.ctx.storage.setAlarm(Date.now() + data.session_start_limit.reset_after);
      return undefined;
    }
    const maxConcurrency = Math.max(1, data.session_start_limit?.max_concurrency ?? 1);
    const slot = (r.started_at ?? 0) + Math.floor(r.shard / maxConcurrency) * IDENTIFY_SPACING_MS;
    if (Date.now() < slot) {
      r.status = 'waiting';
      r.reason = `shard ${r.shard} waits for its IDENTIFY slot (max_concurrency ${maxConcurrency})`;
      await this.#save(r);
      await this.ctx.storage.setAlarm(slot);
      return undefined;
    }
    return data.url;
  }

  #attach(ws: WebSocket): void {
    this.#ws = ws;
    this.#awaitingAck = false;
    ws.addEventListener('message', (event) => {
      this.#tail = this.#tail
        .then(() => this.#onMessage(ws, event.data))
        .catch((e) => this.#log('message handling failed', e));
    });
    ws.addEventListener('close', (event) => {
      this.#tail = this.#tail.then(() => this.#onClose(ws, event.code, event.reason));
    });
    ws.addEventListener('error', () => {
      this.#tail = this.#tail.then(() => this.#onClose(ws, 1006, 'socket error'));
    });
  }

  async #onMessage(ws: WebSocket, raw: unknown): Promise<void> {
    if (ws !== this.#ws || typeof raw !== 'string') return;
    const parsed = GatewayPayload.safeParse(JSON.parse(raw));
    if (!parsed.success) return;
    const p = parsed.data;
    const r = this.#required();
    switch (p.op) {
      case GatewayOpcodes.Hello: {
        const hello = HelloData.safeParse(p.d);
        if (!hello.success) return this.#reconnect('op 10 HELLO without a heartbeat interval');
        return this.#onHello(r, hello.data.heartbeat_interval);
      }
      case GatewayOpcodes.HeartbeatAck:
        this.#awaitingAck = false;
        this.#lastAckAt = Date.now();
        this.#pingMs = this.#lastAckAt - this.#lastHeartbeatAt;
        return;
      case GatewayOpcodes.Heartbeat:
        return this.#heartbeat();
      case GatewayOpcodes.Reconnect:
        return this.#reconnect('op 7 RECONNECT');
      case GatewayOpcodes.InvalidSession:
        return this.#onInvalidSession(r, p.d === true);
      case GatewayOpcodes.Dispatch:
        return this.#onDispatch(r, p.t ?? '', p.s ?? null, p.d);
    }
  }

  async #onHello(r: SessionRecord, intervalMs: number): Promise<void> {
    this.#heartbeatMs = intervalMs;
    // Discord asks for a jittered first heartbeat so reconnect storms spread out.
    this.#nextHeartbeatAt = Date.now() + Math.floor(intervalMs * Math.random());
    const token = this.#token(r.tenant);
    if (r.session_id !== undefined) {
      r.status = 'resuming';
      this.#send({ op: GatewayOpcodes.Resume, d: { token, session_id: r.session_id, seq: r.seq } }, true);
    } else {
      r.status = 'identifying';
      // A fresh session: Discord will not replay what the channels received meanwhile.
      if ((r.active_channels?.length ?? 0) > 0 && r.gap === undefined)
        r.gap = { since: Date.now(), reason: r.reason ?? 'new session' };
      const view = this.#tenantView(r.tenant);
      const d = {
        token,
        intents: intentBits(view.config.gateway.intents),
        properties: { os: 'linux', browser: 'promethean-edge', device: 'promethean-edge' },
        shard: [r.shard, r.shards],
      } satisfies GatewayIdentifyData;
      this.#send({ op: GatewayOpcodes.Identify, d }, true);
    }
    await this.#save(r);
    await this.#armAlarm();
  }

  async #onDispatch(r: SessionRecord, type: string, seq: number | null, d: unknown): Promise<void> {
    if (type === 'READY') {
      const parsed = ReadyData.safeParse(d);
      // A session that cannot be resumed later is no session: start a fresh one.
      if (!parsed.success) return this.#reconnect(`READY without a usable session: ${parsed.error.message}`);
      const ready = parsed.data;
      r.session_id = ready.session_id;
      r.resume_gateway_url = ready.resume_gateway_url;
      r.bot_user_id = ready.user.id;
    }
    if (type === 'READY' || type === 'RESUMED') {
      r.status = 'ready';
      r.failures = 0;
      delete r.reason;
      await this.#publishHealth();
    }
    if (type === 'READY' && r.gap !== undefined) await this.#catchUp(r);
    let holdUntil: number | undefined;
    if (seq !== null && r.session_id !== undefined) {
      const outcome = dispatchEnvelopes(
        this.#tenantView(r.tenant),
        r.session_id,
        seq,
        type,
        d,
        r.bot_user_id ?? '',
        new Date().toISOString(),
        publishModeOf((this.env as unknown as { GATEWAY_PUBLISH?: unknown }).GATEWAY_PUBLISH),
      );
      // Held, then published before the seq is saved (#save): a crash in between, or an eviction while
      // it is held, replays the event, and its id makes that harmless.
      holdUntil = this.#held.add(outcome.published, Date.now());
      r.published += outcome.published.length;
      if (outcome.dropped === 'allowlist') r.dropped++;
      if (outcome.published.length > 0) {
        r.recent_seqs = [...r.recent_seqs, seq].slice(-RECENT_SEQS);
        r.active_channels = markChannel(r.active_channels ?? [], type, d, Date.now());
      }
      r.seq = Math.max(r.seq ?? 0, seq);
    }
    this.#forwardVoice(r, type, d);
    if (holdUntil !== undefined) {
      // Under load: more dispatches join this queue message; the timer (or a limit) publishes and saves.
      this.#record = r;
      this.#armHeldFlush(holdUntil);
      return;
    }
    await this.#save(r);
  }

  #armHeldFlush(at: number): void {
    if (this.#heldFlush !== undefined) return;
    this.#heldFlush = setTimeout(
      () => {
        this.#heldFlush = undefined;
        // Through the message tail, so it never runs between a dispatch's publish and its save.
        this.#tail = this.#tail
          .then(() => this.#save(this.#required()))
          .catch((e) => this.#log('saving the session after a held publish failed', e));
      },
      Math.max(0, at - Date.now()),
    );
  }

  /**
   * Publishes everything held, in as few queue messages as the limits allow. A failed publish keeps
   * the envelopes held (and the seq unsaved) and tries again shortly.
   */
  #publishHeld(): Promise<void> {
    const run = this.#publishing
      .catch(() => undefined)
      .then(async () => {
        if (this.#heldFlush !== undefined) {
          clearTimeout(this.#heldFlush);
          this.#heldFlush = undefined;
        }
        const envelopes = this.#held.take();
        if (envelopes.length === 0) return;
        this.#publishingCount = envelopes.length;
        try {
          const sent =
            this.#held.mode === 'off'
              ? await this.#broker().publishMany(envelopes)
              : await this.#broker().publishCoalesced(envelopes);
          const r = this.#record;
          if (r) r.queue_messages = (r.queue_messages ?? 0) + sent;
        } catch (e) {
          this.#held.restore(envelopes, Date.now());
          this.#armHeldFlush(Date.now() + PUBLISH_RETRY_MS);
          throw e;
        } finally {
          this.#publishingCount = 0;
        }
      });
    this.#publishing = run;
    return run;
  }

  /**
   * Closes the gap: one bounded backfill job per recently active channel, down to the last message
   * seen live. Saved only after publishing, so a crash in between republishes the same job ids.
   */
  async #catchUp(r: SessionRecord): Promise<void> {
    const gap = r.gap;
    if (gap === undefined || r.session_id === undefined) return;
    const now = Date.now();
    const jobs = catchUpEnqueues(r.tenant, r.session_id, r.active_channels ?? [], now);
    try {
      if (jobs.length > 0) await this.#broker().publishMany(jobs);
    } catch (e) {
      // The gap stays open; the next READY tries again.
      this.#log('catch-up publish failed', e);
      return;
    }
    r.catch_up_jobs = (r.catch_up_jobs ?? 0) + jobs.length;
    r.last_gap = { ...gap, closed_at: now, channels: jobs.length };
    delete r.gap;
    await this.#save(r);
  }

  /** The bot's own voice updates go to the tenant's voice host link (the host never opens a gateway). */
  #forwardVoice(r: SessionRecord, type: string, d: unknown): void {
    const update = selfVoiceUpdate(type, d, r.bot_user_id);
    if (!update) return;
    const link = this.env.VOICE_HOST_LINK.get(this.env.VOICE_HOST_LINK.idFromName(`discord:${r.tenant}`));
    this.#voiceTail = this.#voiceTail
      .then(async () => {
        await link.voiceUpdate({ provider: 'discord', tenant: r.tenant }, update);
      })
      .catch((e) => this.#log('voice update forwarding failed', e));
  }

  async #onInvalidSession(r: SessionRecord, resumable: boolean): Promise<void> {
    if (!resumable) {
      delete r.session_id;
      r.seq = null;
    }
    r.reason = `op 9 INVALID_SESSION (${resumable ? 'resumable' : 'not resumable'})`;
    await this.#save(r);
    this.#reconnect(r.reason, 1_000 + Math.floor(Math.random() * 4_000));
  }

  async #onClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    if (ws !== this.#ws) return;
    this.#ws = undefined;
    this.#heartbeatMs = null;
    const r = this.#required();
    if (r.desired !== 'running') return;
    const { action, reason: why } = closeAction(code);
    r.reason = reason ? `${why} (${reason})` : why;
    if (action === 'stop') {
      r.status = 'stopped';
      await this.ctx.storage.deleteAlarm();
      await this.#save(r);
      await this.#publishHealth();
      return;
    }
    if (action === 'reidentify') {
      delete r.session_id;
      r.seq = null;
    }
    r.status = 'reconnecting';
    r.failures++;
    await this.#save(r);
    // A resumable session reconnects at once: Discord asks for no wait there, and every millisecond
    // is a millisecond of events queued at Discord. Repeated failures still back off (the alarm).
    if (r.failures <= 1 && r.session_id !== undefined && r.resume_gateway_url !== undefined)
      await this.#connect(r);
    await this.#armAlarm();
  }

  /** Closes with a non-1000 code so Discord keeps the session resumable, then reconnects. */
  #reconnect(reason: string, delayMs = 0): void {
    const r = this.#required();
    const ws = this.#ws;
    this.#ws = undefined;
    this.#heartbeatMs = null;
    r.status = 'reconnecting';
    r.reason = reason;
    try {
      ws?.close(RECONNECT_CLOSE, reason.slice(0, 100));
    } catch {
      // Already closed.
    }
    this.ctx.waitUntil(
      this.#save(r).then(() => this.ctx.storage.setAlarm(Date.now() + Math.max(10, delayMs))),
    );
  }

  #heartbeat(): void {
    const r = this.#required();
    this.#send({ op: GatewayOpcodes.Heartbeat, d: r.seq }, true);
    this.#awaitingAck = true;
    this.#lastHeartbeatAt = Date.now();
    this.#nextHeartbeatAt = this.#lastHeartbeatAt + (this.#heartbeatMs ?? 41_250);
  }

  #send(payload: { op: number; d: unknown }, essential = false): boolean {
    if (!this.#ws || !this.#limiter.tryTake(Date.now(), essential)) return false;
    this.#ws.send(JSON.stringify(payload));
    return true;
  }

  #token(tenant: string): string {
    return ProviderRegistry.fromYaml(providersYml)
      .secretsFor('discord', tenant, this.env as unknown as Record<string, unknown>)
      .get('bot_token');
  }

  #tenantView(tenant: string): TenantView {
    return ProviderRegistry.fromYaml(providersYml).tenant('discord', tenant);
  }

  /** Publishes through counted queues, so what the session writes is in the ops ledger (bench:cost). */
  #broker(): QueueBroker {
    this.#scheduleOpsFlush();
    this.#bus ??= queueBusFor(
      countedAccessEnv(this.env, accessOps()),
      { bindings: ['BUS_EVENTS'], routes: [{ pattern: 'promethean.>', binding: 'BUS_EVENTS' }] },
      'the gateway session',
    );
    return this.#bus;
  }

  async #publishHealth(): Promise<void> {
    const r = this.#required();
    const state = r.status === 'ready' ? 'RUNNING' : r.status === 'stopped' ? 'STOPPED' : 'DEGRADED';
    const payload = {
      agent: 'discord-gateway',
      state,
      ready: r.status === 'ready',
      live: r.status !== 'stopped',
      ...(r.reason !== undefined && { reason: r.reason }),
      details: { shard: r.shard, seq: r.seq, ping_ms: this.#pingMs, status: r.status },
    } as const;
    const env = createEnvelope(Health, payload, {
      src: 'discord-gateway',
      provider: 'discord',
      tenant: r.tenant,
      ids: randomIds,
    });
    await this.#broker()
      .publish(env)
      .catch((e) => this.#log('health publish failed', e));
  }

  #required(): SessionRecord {
    if (!this.#record) throw new Error('GatewaySession has not been started');
    return this.#record;
  }

  /**
   * Publishes what is held first: a saved seq never runs ahead of what reached the bus. If the publish
   * fails, the rest of the record is still saved (a close or a stop must not be lost with it) but its seq
   * stays where it was saved last, and the held envelopes are tried again shortly.
   */
  async #save(r: SessionRecord): Promise<void> {
    this.#record = r;
    let stored = r;
    try {
      await this.#publishHeld();
    } catch (e) {
      this.#log('dispatch publish failed; the saved seq stays behind it', e);
      if (this.#savedSeq.session_id === r.session_id) stored = { ...r, seq: this.#savedSeq.seq };
    }
    await this.ctx.storage.put('session', stored);
    this.#savedSeq = { session_id: stored.session_id, seq: stored.seq };
    // One Durable Object storage row written per save (a dispatch saves once): a billed operation.
    accessOps().recorder.storeWrite(1);
    this.#scheduleOpsFlush();
  }

  #scheduleOpsFlush(): void {
    if (this.#opsFlush !== undefined) return;
    const ledger = accessLedger(this.env);
    if (!ledger) return;
    this.#opsFlush = setTimeout(() => {
      this.#opsFlush = undefined;
      // flush() never throws: a failed flush keeps the counts for the next one.
      void accessOps().flush(ledger);
    }, OPS_FLUSH_DELAY_MS);
  }

  #log(msg: string, e: unknown): void {
    componentTelemetry('discord-gateway', {
      provider: 'discord',
      ...(this.#record && { tenant: this.#record.tenant }),
    }).error(msg, { error: String(e) });
  }
}
