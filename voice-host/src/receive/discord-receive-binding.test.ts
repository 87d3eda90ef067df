import { joinVoiceChannel } from '@discordjs/voice';
import { describe, expect, it } from 'vitest';
import { RelayAdapterRegistry } from '../gateway-adapter/relay-adapter-registry.ts';
import { DiscordReceiveBinding, type ReceiveTarget } from './discord-receive-binding.ts';
import { OPUS_PAYLOAD_TYPE, writeRtpHeader } from './rtp-header.ts';
import { RtpHeaderTap } from './rtp-header-tap.ts';

function connection(group: string) {
  const registry = new RelayAdapterRegistry(
    async () => ({ ok: true }),
    () => {},
  );
  const c = joinVoiceChannel({
    guildId: '1',
    channelId: '2',
    group,
    adapterCreator: registry.creator('discord', 'duck', '1'),
  });
  c.on('error', () => {});
  return c;
}

function recorder() {
  const events: string[] = [];
  const target: ReceiveTarget = {
    onPacket: (u, opus) => events.push(`packet ${u} ${opus.length}`),
    countDecryptFailure: () => events.push('decrypt-failure'),
    removeSpeaker: (u) => events.push(`remove ${u}`),
  };
  return { events, target };
}

const nextTurn = () => new Promise((r) => setImmediate(r));

describe('DiscordReceiveBinding on a real VoiceConnection receiver', () => {
  it('subscribes when a user starts speaking and feeds every payload to the session', async () => {
    const c = connection('binding-1');
    const { events, target } = recorder();
    const binding = new DiscordReceiveBinding(c, target, () => 0);
    c.receiver.ssrcMap.update({ userId: 'u1', audioSSRC: 42 });
    c.receiver.speaking.onPacket('u1');
    const stream = c.receiver.subscriptions.get('u1');
    expect(stream).toBeDefined();
    stream!.push(Buffer.from([1, 2, 3]));
    await nextTurn();
    stream!.push(Buffer.from([4, 5]));
    expect(events).toEqual(['packet u1 3', 'packet u1 2']);
    binding.close();
    c.destroy();
  });

  it('counts a decrypt failure and subscribes again', async () => {
    const c = connection('binding-2');
    const { events, target } = recorder();
    const binding = new DiscordReceiveBinding(c, target, () => 0);
    c.receiver.speaking.onPacket('u1');
    const first = c.receiver.subscriptions.get('u1')!;
    // What VoiceReceiver does when a packet fails to decrypt.
    first.destroy(new Error('Failed to parse packet'));
    await nextTurn();
    await nextTurn();
    expect(events).toContain('decrypt-failure');
    const second = c.receiver.subscriptions.get('u1');
    expect(second).toBeDefined();
    expect(second).not.toBe(first);
    binding.close();
    c.destroy();
  });

  it('removes a speaker who left the channel', () => {
    const c = connection('binding-3');
    const { events, target } = recorder();
    const binding = new DiscordReceiveBinding(c, target, () => 0);
    c.receiver.ssrcMap.update({ userId: 'u1', audioSSRC: 42 });
    c.receiver.ssrcMap.delete('u1');
    expect(events).toEqual(['remove u1']);
    binding.close();
    c.destroy();
  });
});

describe('RtpHeaderTap', () => {
  it('hands out the clear-text header of the last Opus packet per SSRC, once', () => {
    const tap = new RtpHeaderTap();
    const header = { sequence: 7, timestamp: 960 * 7, ssrc: 42, payloadType: OPUS_PAYLOAD_TYPE };
    tap.onUdpMessage(Buffer.concat([writeRtpHeader(header), Buffer.alloc(40)]));
    tap.onUdpMessage(
      Buffer.concat([writeRtpHeader({ ...header, ssrc: 43, payloadType: 96 }), Buffer.alloc(40)]),
    );
    tap.onUdpMessage(Buffer.alloc(8));
    expect(tap.take(42)).toEqual(header);
    expect(tap.take(42)).toBeUndefined();
    expect(tap.take(43)).toBeUndefined();
  });
});
