import { joinVoiceChannel, VoiceConnectionStatus } from '@discordjs/voice';
import type { VoiceStateCommand } from '@promethean/schemas/voice/voice-relay';
import { describe, expect, it } from 'vitest';
import { FakeControlChannel } from '../../testing/fake-control-channel.ts';
import { RelayAdapterRegistry } from './relay-adapter-registry.ts';

function setup(ok = true) {
  const sent: Array<{ provider: string; tenant: string; command: VoiceStateCommand }> = [];
  const logs: Array<Record<string, unknown>> = [];
  const registry = new RelayAdapterRegistry(
    async (provider, tenant, command) => {
      sent.push({ provider, tenant, command });
      return ok ? { ok: true } : { ok: false, reason: 'gateway not connected' };
    },
    (l) => logs.push(l),
  );
  const control = new FakeControlChannel();
  control.onMessage((m) => registry.dispatch(m));
  return { registry, sent, logs, control };
}

describe('RelayAdapterRegistry', () => {
  it('relays op 4 on join, feeds state and server updates from the control connection, relays leave', async () => {
    const { registry, sent, control } = setup();
    const connection = joinVoiceChannel({
      guildId: '1001',
      channelId: '2002',
      group: 'discord:duck:t1',
      selfDeaf: false,
      selfMute: false,
      adapterCreator: registry.creator('discord', 'duck', '1001'),
    });
    connection.on('error', () => {});
    await registry.settled();
    expect(connection.state.status).toBe(VoiceConnectionStatus.Signalling);
    expect(sent).toEqual([
      {
        provider: 'discord',
        tenant: 'duck',
        command: { op: 4, d: { guild_id: '1001', channel_id: '2002', self_mute: false, self_deaf: false } },
      },
    ]);

    control.deliver({
      type: 'voice.state_update',
      tenant: 'duck',
      d: { guild_id: '1001', channel_id: '2002', user_id: '42', session_id: 'voice-session-1', deaf: false },
    });
    expect(connection.state.status).toBe(VoiceConnectionStatus.Signalling);
    control.deliver({
      type: 'voice.server_update',
      tenant: 'duck',
      d: { token: 'voice-token', guild_id: '1001', endpoint: '127.0.0.1:9' },
    });
    expect(connection.state.status).toBe(VoiceConnectionStatus.Connecting);

    connection.destroy();
    await registry.settled();
    expect(sent.at(-1)?.command.d.channel_id).toBeNull();
    expect(registry.size).toBe(0);
  });

  it('ignores updates for another tenant or guild', () => {
    const { registry, control } = setup();
    const connection = joinVoiceChannel({
      guildId: '1001',
      channelId: '2002',
      group: 'discord:duck:t2',
      adapterCreator: registry.creator('discord', 'duck', '1001'),
    });
    connection.on('error', () => {});
    expect(
      registry.dispatch({
        type: 'voice.server_update',
        provider: 'discord',
        tenant: 'other',
        d: { token: 't', guild_id: '1001', endpoint: 'x' },
      }),
    ).toBe(false);
    expect(registry.dispatch({ type: 'ping', ts: 1 })).toBe(false);
    control.deliver({
      type: 'voice.server_update',
      tenant: 'duck',
      d: { token: 't', guild_id: '9999', endpoint: 'x' },
    });
    expect(connection.state.status).toBe(VoiceConnectionStatus.Signalling);
    connection.destroy();
  });

  it('logs a relay that could not send, and refuses at once when no relay is configured', async () => {
    const { registry, logs } = setup(false);
    const connection = joinVoiceChannel({
      guildId: '1001',
      channelId: '2002',
      group: 'discord:duck:t3',
      adapterCreator: registry.creator('discord', 'duck', '1001'),
    });
    connection.on('error', () => {});
    await registry.settled();
    expect(
      logs.some((l) => l.msg === 'voice state update not relayed' && l.reason === 'gateway not connected'),
    ).toBe(true);
    connection.destroy();

    const none = new RelayAdapterRegistry(undefined, () => {});
    const refused = joinVoiceChannel({
      guildId: '1002',
      channelId: '2003',
      group: 'discord:duck:t4',
      adapterCreator: none.creator('discord', 'duck', '1002'),
    });
    refused.on('error', () => {});
    expect(refused.state.status).toBe(VoiceConnectionStatus.Disconnected);
    refused.destroy();
  });
});
