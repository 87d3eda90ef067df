/**
 * One voice session on Discord: joins the channel through the relay adapter, binds the receiver to the
 * session core, plays through an AudioPlayer, and reports connection changes as `voice.state.changed`.
 */
import {
  type AudioPlayer,
  createAudioPlayer,
  type DiscordGatewayAdapterCreator,
  entersState,
  joinVoiceChannel,
  NoSubscriberBehavior,
  type VoiceConnection,
  VoiceConnectionStatus,
} from '@discordjs/voice';
import type { Envelope } from '@promethean/schemas/envelope';
import { VoiceStateChanged } from '@promethean/schemas/voice/voice-messages';
import { createEnvelope } from '@promethean/shared/agent/envelope-factory';
import type { Scheduler } from '@promethean/shared/broker/scheduler';
import type { ConnectionStatus } from '../health/health-state.ts';
import { AudioPlayerOutput } from '../playback/audio-player-output.ts';
import { DiscordReceiveBinding } from '../receive/discord-receive-binding.ts';
import { installDaveTransitionPatches } from './dave-transition-patches.ts';
import { SessionCore, type SessionCoreOptions, type SessionHealth } from './session-core.ts';
import type { SessionInfo } from './session-info.ts';

/** How long a dropped connection may take to start reconnecting by itself before it is given up. */
const RECONNECT_GRACE_MS = 5_000;
/**
 * @discordjs/voice rejoins at once whenever the voice server's socket fails, and every rejoin is an op 4
 * through the tenant's gateway session (120 sends a minute for everything). A voice server that keeps
 * refusing would spend that budget in seconds, so after this many failed connects in a row the host leaves.
 */
export const MAX_FAILED_CONNECTS = 5;

export interface VoiceSessionOptions extends Omit<SessionCoreOptions, 'output'> {
  readonly adapterCreator: DiscordGatewayAdapterCreator;
  readonly daveEncryption: boolean;
  /** Called once the connection is destroyed (left, kicked, or given up). */
  readonly onDestroyed: (info: SessionInfo) => void;
}

export class VoiceSession {
  readonly info: SessionInfo;
  readonly core: SessionCore;
  readonly #o: VoiceSessionOptions;
  readonly #player: AudioPlayer;
  readonly #connection: VoiceConnection;
  readonly #binding: DiscordReceiveBinding;
  #everReady = false;
  #failedConnects = 0;

  constructor(o: VoiceSessionOptions) {
    this.#o = o;
    this.info = o.info;
    this.#player = createAudioPlayer({ behaviors: { noSubscriber: NoSubscriberBehavior.Pause } });
    this.core = new SessionCore({ ...o, output: new AudioPlayerOutput(this.#player) });
    if (o.daveEncryption) installDaveTransitionPatches();
    this.#connection = joinVoiceChannel({
      guildId: o.info.guild_id,
      channelId: o.info.channel_id,
      group: `${o.info.provider}:${o.info.tenant}`,
      selfMute: o.info.self_mute,
      selfDeaf: o.info.self_deaf,
      adapterCreator: o.adapterCreator,
      daveEncryption: o.daveEncryption,
    });
    this.#connection.on('error', (e) =>
      o.log({
        level: 'warn',
        msg: 'voice connection error',
        error: e.message,
        session_id: o.info.session_id,
      }),
    );
    this.#connection.subscribe(this.#player);
    this.#binding = new DiscordReceiveBinding(
      this.#connection,
      {
        onPacket: (u, opus, h, at) => this.core.pipeline.onPacket(u, opus, h, at),
        countDecryptFailure: () => this.core.pipeline.countDecryptFailure(),
        removeSpeaker: (u) => this.core.pipeline.removeSpeaker(u),
      },
      () => o.scheduler.now(),
    );
    this.#connection.on('stateChange', (oldState, newState) => {
      if (oldState.status === newState.status) return;
      if (newState.status === VoiceConnectionStatus.Ready) {
        this.#everReady = true;
        this.#failedConnects = 0;
      }
      if (
        oldState.status === VoiceConnectionStatus.Connecting &&
        newState.status === VoiceConnectionStatus.Signalling &&
        ++this.#failedConnects >= MAX_FAILED_CONNECTS
      ) {
        o.log({
          level: 'error',
          msg: 'voice server unreachable: leaving instead of rejoining again',
          failed_connects: this.#failedConnects,
          session_id: o.info.session_id,
        });
        queueMicrotask(() => this.leave());
      }
      this.#publishState(newState.status as ConnectionStatus);
      if (newState.status === VoiceConnectionStatus.Disconnected) void this.#recoverOrLeave();
      if (newState.status === VoiceConnectionStatus.Destroyed) this.#destroyed();
    });
    this.#publishState(this.#connection.state.status as ConnectionStatus);
  }

  get status(): ConnectionStatus {
    return this.#connection.state.status as ConnectionStatus;
  }

  /** True until the connection is destroyed. */
  get active(): boolean {
    return this.status !== 'destroyed';
  }

  tick(nowMs: number): void {
    this.core.tick(nowMs);
  }

  health(nowMs: number): SessionHealth {
    return this.core.health(this.status, this.#everReady, nowMs);
  }

  /** Leaves the channel (sends the leave through the relay) and flushes open speech. */
  leave(): void {
    if (this.status !== 'destroyed') this.#connection.destroy();
  }

  /** The usual @discordjs/voice recipe: a disconnect that does not start reconnecting soon is final. */
  async #recoverOrLeave(): Promise<void> {
    try {
      await Promise.race([
        entersState(this.#connection, VoiceConnectionStatus.Signalling, RECONNECT_GRACE_MS),
        entersState(this.#connection, VoiceConnectionStatus.Connecting, RECONNECT_GRACE_MS),
      ]);
    } catch {
      this.leave();
    }
  }

  #destroyed(): void {
    this.#binding.close();
    this.core.end();
    this.#player.stop(true);
    this.#o.onDestroyed(this.info);
  }

  #publishState(status: ConnectionStatus): void {
    const { session_id, guild_id, channel_id, provider, tenant } = this.info;
    const env: Envelope = createEnvelope(
      VoiceStateChanged,
      { session_id, guild_id, channel_id, status },
      { src: 'voice-host', provider, tenant, clock: this.#o.scheduler as Scheduler },
    );
    this.#o.publish(env);
  }
}
