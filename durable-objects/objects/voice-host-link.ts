/**
 * VoiceHostLink: one Durable Object per provider and tenant that owns the link to the tenant's voice
 * host — its control WebSocket (hibernatable), the sessions the tenant wants joined, and the guilds whose
 * voice updates the host waits for. It sends joins, leaves and playback down the connection, relays the
 * host's op 4 requests to the tenant's GatewaySession, pushes the bot's own VOICE_STATE_UPDATE /
 * VOICE_SERVER_UPDATE back to the host, and publishes what the host reports on the bus.
 */
import { DurableObject } from 'cloudflare:workers';
import type { PayloadOf } from '@promethean/schemas/message-definition';
import type { VoiceControlJoin, VoicePlayPcm } from '@promethean/schemas/voice/voice-messages';
import {
  type ControlToHost,
  type HostSessionSummary,
  HostToControl,
  SelfVoiceState,
  VoiceRelayRequest,
  type VoiceRelayResponse,
  VoiceServer,
} from '@promethean/schemas/voice/voice-relay';
import { componentTelemetry } from '@promethean/shared/agent/telemetry';
import { queueBusFor } from '@promethean/shared/broker/bus-for';
import type { QueueBroker } from '@promethean/shared/broker/queue-broker';
import type { VoiceControlCommand } from '@promethean/shared/effects/effect-ports';
import { ProviderRegistry } from '@promethean/shared/platform/provider-registry';
import type { z } from 'zod';
import providersYml from '../../providers.yml';
import type { GatewayVoiceUpdate } from '../gateway/voice-update-forwarding.ts';
import { guildShard } from '../voice/guild-shard.ts';
import { type LinkScope, publishHostEnvelopes } from '../voice/host-event-publisher.ts';
import { containerHostEnabled } from './voice-host-container.ts';

type JoinPayload = PayloadOf<typeof VoiceControlJoin>;

/** What the link knows about the connected host (for status and tests; no secrets). */
export interface HostLinkStatus {
  scope: LinkScope | null;
  connected: boolean;
  host_id: string | null;
  host_state: string | null;
  connected_at: number | null;
  last_heard_at: number | null;
  /** Sessions the tenant asked for (joined and not left), by session id. */
  sessions: Record<string, JoinPayload>;
  /** Sessions the host reported in its last hello. */
  host_sessions: z.infer<typeof HostSessionSummary>[];
  /** Guilds whose voice updates are pushed to the host. */
  guilds: string[];
  published: number;
  refused: number;
  /** Voice updates from the gateway that went down the connection. */
  voice_updates: number;
}

interface SocketAttachment {
  host_id: string;
  connected_at: number;
}

function emptyStatus(): HostLinkStatus {
  return {
    scope: null,
    connected: false,
    host_id: null,
    host_state: null,
    connected_at: null,
    last_heard_at: null,
    sessions: {},
    host_sessions: [],
    guilds: [],
    published: 0,
    refused: 0,
    voice_updates: 0,
  };
}

export class VoiceHostLink extends DurableObject<AccessEnv> {
  #status: HostLinkStatus = emptyStatus();

  constructor(ctx: DurableObjectState, env: AccessEnv) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      this.#status = { ...emptyStatus(), ...((await ctx.storage.get<HostLinkStatus>('link')) ?? {}) };
    });
  }

  /** The host's control connection: a WebSocket upgrade the access Worker already authenticated. */
  override async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    await this.#bind({
      provider: url.searchParams.get('provider') ?? '',
      tenant: url.searchParams.get('tenant') ?? '',
    });
    const pair = new WebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    const hostId = request.headers.get('x-voice-host-id') ?? 'voice-host';
    // One host per tenant: a newer connection (a reconnect, or a replacement host) wins.
    for (const old of this.ctx.getWebSockets()) old.close(4001, 'replaced by a newer connection');
    const attachment: SocketAttachment = { host_id: hostId, connected_at: Date.now() };
    this.ctx.acceptWebSocket(server);
    server.serializeAttachment(attachment);
    const s = this.#status;
    s.connected = true;
    s.host_id = hostId;
    s.connected_at = attachment.connected_at;
    await this.#save();
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    if (typeof message !== 'string') return;
    let json: unknown;
    try {
      json = JSON.parse(message);
    } catch {
      this.#log('warn', 'control message is not JSON');
      return;
    }
    const parsed = HostToControl.safeParse(json);
    if (!parsed.success) {
      this.#log('warn', 'invalid control message ignored', {
        issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
      });
      return;
    }
    this.#status.last_heard_at = Date.now();
    await this.#onHostMessage(ws, parsed.data);
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    await this.#onSocketGone(ws, `closed ${code} ${reason}`);
  }

  override async webSocketError(ws: WebSocket, error: unknown): Promise<void> {
    await this.#onSocketGone(ws, `socket error: ${String(error)}`);
  }

  /** `voice.control.join|leave` from the discord-voice agent: remembered, and sent when a host is connected. */
  async control(scope: LinkScope, command: VoiceControlCommand): Promise<{ status: 'sent' | 'queued' }> {
    await this.#bind(scope);
    const s = this.#status;
    if (command.action === 'join') s.sessions[command.payload.session_id] = command.payload;
    else delete s.sessions[command.payload.session_id];
    s.guilds = this.#guildsWanted();
    await this.#save();
    const message: ControlToHost =
      command.action === 'join'
        ? { type: 'session.join', provider: scope.provider, tenant: scope.tenant, payload: command.payload }
        : { type: 'session.leave', provider: scope.provider, tenant: scope.tenant, payload: command.payload };
    // Without a host the request waits: the host's next hello reconciles it.
    if (this.#send(message)) return { status: 'sent' };
    if (command.action === 'join') await this.#startContainer(scope);
    return { status: 'queued' };
  }

  /** The host's op 4 request (the HTTP relay): sent through the gateway session that owns the guild. */
  async relay(input: unknown): Promise<VoiceRelayResponse> {
    const parsed = VoiceRelayRequest.safeParse(input);
    if (!parsed.success) return { ok: false, reason: `invalid relay request: ${parsed.error.message}` };
    const { provider, tenant, shard, payload } = parsed.data;
    await this.#bind({ provider, tenant });
    const view = ProviderRegistry.fromYaml(providersYml).tenant(provider, tenant);
    const shards = view.config.gateway.shards;
    const target = shard ?? guildShard(payload.d.guild_id, shards);
    if (target >= shards) return { ok: false, reason: `shard ${target} is not one of ${shards}` };
    const s = this.#status;
    if (!s.guilds.includes(payload.d.guild_id)) s.guilds = [...s.guilds, payload.d.guild_id];
    await this.#save();
    const session = this.env.GATEWAY_SESSION.get(this.env.GATEWAY_SESSION.idFromName(`${tenant}:${target}`));
    const sent = await session.voiceStateUpdate(payload.d);
    return sent
      ? { ok: true }
      : { ok: false, reason: `gateway session ${tenant}:${target} is not connected or is send-limited` };
  }

  /** The bot's own voice state or server update from the gateway session: pushed to the host. */
  async voiceUpdate(
    scope: LinkScope,
    update: GatewayVoiceUpdate,
  ): Promise<{ forwarded: boolean; reason?: string }> {
    await this.#bind(scope);
    const parsed =
      update.type === 'VOICE_STATE_UPDATE'
        ? SelfVoiceState.safeParse(update.d)
        : VoiceServer.safeParse(update.d);
    if (!parsed.success) return { forwarded: false, reason: `invalid ${update.type}` };
    const d = parsed.data as z.infer<typeof VoiceServer> | z.infer<typeof SelfVoiceState>;
    if (!this.#status.guilds.includes(d.guild_id))
      return { forwarded: false, reason: 'no voice session in this guild' };
    const message: ControlToHost =
      update.type === 'VOICE_STATE_UPDATE'
        ? { type: 'voice.state_update', ...scope, d: d as z.infer<typeof SelfVoiceState> }
        : { type: 'voice.server_update', ...scope, d: d as z.infer<typeof VoiceServer> };
    if (!this.#send(message)) return { forwarded: false, reason: 'no voice host connected' };
    this.#status.voice_updates++;
    await this.#save();
    return { forwarded: true };
  }

  /** A playback chunk from the voice-mixer: the host fetches its PCM from `url`. */
  async play(item: PayloadOf<typeof VoicePlayPcm>, url: string): Promise<{ ok: boolean; reason?: string }> {
    if (!this.#status.sessions[item.session_id])
      return { ok: false, reason: `session ${item.session_id} is not joined` };
    return this.#send({ type: 'session.play', item, url })
      ? { ok: true }
      : { ok: false, reason: 'no voice host connected' };
  }

  async status(): Promise<HostLinkStatus> {
    return structuredClone({ ...this.#status, connected: this.ctx.getWebSockets().length > 0 });
  }

  async #onHostMessage(ws: WebSocket, m: HostToControl): Promise<void> {
    const s = this.#status;
    switch (m.type) {
      case 'hello':
        s.host_id = m.host_id;
        s.host_sessions = m.sessions.filter(
          (x) => x.provider === s.scope?.provider && x.tenant === s.scope?.tenant,
        );
        this.#reconcile(ws);
        break;
      case 'health':
        s.host_state = m.host_state;
        await this.#publish(m.envelopes);
        // A container host sleeps after its idle timeout unless sessions are still wanted.
        if (Object.keys(s.sessions).length > 0) await this.#containerFor()?.keepAlive();
        break;
      case 'event':
        await this.#publish([m.envelope]);
        break;
      case 'pong':
        break;
    }
    await this.#save();
  }

  /** The tenant's voice host container, when this deployment runs the host as one. */
  #containerFor() {
    const scope = this.#status.scope;
    if (scope === null || !containerHostEnabled(this.env)) return undefined;
    const ns = this.env.VOICE_HOST_CONTAINER;
    return ns.get(ns.idFromName(`${scope.provider}:${scope.tenant}`));
  }

  /** Starts the tenant's host container for a join nobody can take; the host's hello then reconciles. */
  async #startContainer(scope: LinkScope): Promise<void> {
    const container = this.#containerFor();
    if (container === undefined) return;
    try {
      await container.ensureRunning(scope);
    } catch (e) {
      // The join stays queued: the next join, or an operator starting a host, picks it up.
      componentTelemetry('discord-voice', scope).error('voice host container did not start', {
        error: String(e),
      });
    }
  }

  /** After a (re)connect: join what the tenant wants and the host lacks, leave what it no longer wants. */
  #reconcile(ws: WebSocket): void {
    const s = this.#status;
    const scope = s.scope;
    if (!scope) return;
    const held = new Set(s.host_sessions.map((x) => x.session_id));
    for (const [id, payload] of Object.entries(s.sessions)) {
      if (!held.has(id)) ws.send(JSON.stringify({ type: 'session.join', ...scope, payload }));
    }
    for (const x of s.host_sessions) {
      if (!s.sessions[x.session_id]) {
        ws.send(
          JSON.stringify({
            type: 'session.leave',
            ...scope,
            payload: { session_id: x.session_id, guild_id: x.guild_id },
          }),
        );
      }
    }
  }

  async #publish(envelopes: readonly unknown[]): Promise<void> {
    const scope = this.#status.scope;
    if (!scope || envelopes.length === 0) return;
    const { published, refused } = await publishHostEnvelopes(this.#broker(), scope, envelopes);
    this.#status.published += published;
    this.#status.refused += refused.length;
    if (refused.length > 0) this.#log('warn', 'host envelopes refused', { refused });
  }

  async #onSocketGone(ws: WebSocket, why: string): Promise<void> {
    try {
      ws.close(1011, 'closing');
    } catch {
      // Already closed.
    }
    const open = this.ctx.getWebSockets().filter((w) => w !== ws && w.readyState === WebSocket.OPEN);
    if (open.length === 0) {
      this.#status.connected = false;
      this.#log('warn', 'voice host disconnected', { reason: why });
    }
    await this.#save();
  }

  #send(message: ControlToHost): boolean {
    const sockets = this.ctx.getWebSockets().filter((w) => w.readyState === WebSocket.OPEN);
    const ws = sockets.at(-1);
    if (!ws) return false;
    try {
      ws.send(JSON.stringify(message));
      return true;
    } catch (e) {
      this.#log('warn', 'send to voice host failed', { error: String(e) });
      return false;
    }
  }

  #guildsWanted(): string[] {
    return [...new Set(Object.values(this.#status.sessions).map((p) => p.guild_id))];
  }

  async #bind(scope: LinkScope): Promise<void> {
    if (this.#status.scope) return;
    this.#status.scope = { provider: scope.provider, tenant: scope.tenant };
    await this.#save();
  }

  #broker(): QueueBroker {
    return queueBusFor(this.env, {}, 'the voice host link');
  }

  async #save(): Promise<void> {
    await this.ctx.storage.put('link', this.#status);
  }

  #log(level: 'info' | 'warn' | 'error', msg: string, extra: Record<string, unknown> = {}): void {
    componentTelemetry('discord-voice', this.#status.scope ?? {}).log(level, msg, extra);
  }
}
