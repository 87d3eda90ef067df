/**
 * The custom @discordjs/voice gateway adapter: a voice connection's gateway commands go to the access
 * layer's relay (HTTP), and the bot's VOICE_STATE_UPDATE / VOICE_SERVER_UPDATE come back over the control
 * connection. The host never opens a Discord gateway session of its own.
 */

import type { DiscordGatewayAdapterCreator, DiscordGatewayAdapterLibraryMethods } from '@discordjs/voice';
import { type ControlToHost, VoiceStateCommand } from '@promethean/schemas/voice/voice-relay';
import type {
  GatewayVoiceServerUpdateDispatchData,
  GatewayVoiceStateUpdateDispatchData,
} from 'discord-api-types/v10';
import type { RelayOutcome } from './voice-relay-client.ts';

/** Sends one gateway command through the access layer. */
export type RelaySend = (
  provider: string,
  tenant: string,
  command: VoiceStateCommand,
) => Promise<RelayOutcome>;

function keyOf(provider: string, tenant: string, guildId: string): string {
  return `${provider}:${tenant}:${guildId}`;
}

export class RelayAdapterRegistry {
  readonly #send: RelaySend | undefined;
  readonly #log: (line: Record<string, unknown>) => void;
  readonly #adapters = new Map<string, DiscordGatewayAdapterLibraryMethods>();
  /** Relay calls in flight, so tests and shutdown can wait for them. */
  readonly #pending = new Set<Promise<unknown>>();

  /** `send` undefined means no relay is configured: every command fails at once. */
  constructor(send: RelaySend | undefined, log: (line: Record<string, unknown>) => void) {
    this.#send = send;
    this.#log = log;
  }

  /** Adapters currently registered (one per guild a connection exists for). */
  get size(): number {
    return this.#adapters.size;
  }

  /** The adapterCreator for `joinVoiceChannel` in one tenant's guild. */
  creator(provider: string, tenant: string, guildId: string): DiscordGatewayAdapterCreator {
    const key = keyOf(provider, tenant, guildId);
    return (methods) => {
      this.#adapters.set(key, methods);
      return {
        sendPayload: (payload: unknown) => this.#relay(provider, tenant, payload),
        destroy: () => {
          if (this.#adapters.get(key) === methods) this.#adapters.delete(key);
        },
      };
    };
  }

  /** Feeds a control message to its adapter; returns false when it is not a voice update or has no adapter. */
  dispatch(message: ControlToHost): boolean {
    if (message.type !== 'voice.state_update' && message.type !== 'voice.server_update') return false;
    const adapter = this.#adapters.get(keyOf(message.provider, message.tenant, message.d.guild_id));
    if (!adapter) {
      this.#log({ level: 'debug', msg: 'voice update for a guild without a connection', type: message.type });
      return false;
    }
    if (message.type === 'voice.state_update') {
      adapter.onVoiceStateUpdate(message.d as unknown as GatewayVoiceStateUpdateDispatchData);
    } else {
      adapter.onVoiceServerUpdate(message.d as unknown as GatewayVoiceServerUpdateDispatchData);
    }
    return true;
  }

  /** Tells every adapter it can no longer be used (the host is shutting down). */
  destroyAll(): void {
    for (const a of [...this.#adapters.values()]) a.destroy();
    this.#adapters.clear();
  }

  /** Resolves when every relay call made so far has finished. */
  async settled(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  /** `false` tells @discordjs/voice the payload definitely failed (it disconnects); else the call is in flight. */
  #relay(provider: string, tenant: string, payload: unknown): boolean {
    const command = VoiceStateCommand.safeParse(payload);
    if (!command.success) {
      this.#log({ level: 'warn', msg: 'voice connection sent an unexpected gateway payload' });
      return false;
    }
    if (this.#send === undefined) {
      this.#log({ level: 'error', msg: 'no ACCESS_RELAY_URL configured: cannot send a voice state update' });
      return false;
    }
    const call = this.#send(provider, tenant, command.data).then((outcome) => {
      if (!outcome.ok)
        this.#log({ level: 'error', msg: 'voice state update not relayed', reason: outcome.reason, tenant });
    });
    this.#pending.add(call);
    void call.finally(() => this.#pending.delete(call));
    return true;
  }
}
