/**
 * The fake gateway and the fake voice server together: op 4 on the main gateway earns a
 * VOICE_SERVER_UPDATE whose endpoint and token the voice server accepts, @discordjs/voice connects with
 * them over TLS, and op 4 with `channel_id: null` ends the voice session.
 */
import {
  type DiscordGatewayAdapterCreator,
  entersState,
  joinVoiceChannel,
  VoiceConnectionStatus,
} from '@discordjs/voice';
import { GatewayDispatchEvents, GatewayOpcodes } from 'discord-api-types/v10';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeDiscord, startFakeDiscord } from './fake-discord-rest.ts';
import { GatewayTestClient } from './gateway-test-client.ts';
import { trustTestCa } from './voice-test-ca.ts';

const TOKEN = 'voice-wiring-token';
const BOT = '100000000000000001';
const GUILD = '800000000000000001';
const CHANNEL = '560000000000000002';

let fake: FakeDiscord;

beforeAll(async () => {
  fake = await startFakeDiscord({
    tokens: { [TOKEN]: { botUserId: BOT, applicationId: '100000000000000002' } },
    voice: true,
  });
  trustTestCa(fake.voice!.ca);
});

afterAll(async () => {
  await fake.stop();
});

/** Relays op 4 over a real gateway connection and feeds the two dispatches back, as a bot library does. */
function gatewayAdapter(client: GatewayTestClient): DiscordGatewayAdapterCreator {
  return (methods) => {
    let open = true;
    void (async () => {
      while (open) {
        const frame = await client.next();
        if (frame.t === GatewayDispatchEvents.VoiceStateUpdate) methods.onVoiceStateUpdate(frame.d as never);
        if (frame.t === GatewayDispatchEvents.VoiceServerUpdate)
          methods.onVoiceServerUpdate(frame.d as never);
      }
    })();
    return {
      sendPayload(payload) {
        client.send(GatewayOpcodes.VoiceStateUpdate, (payload as { d: unknown }).d);
        return true;
      },
      destroy() {
        open = false;
      },
    };
  };
}

describe('VOICE_SERVER_UPDATE points at the fake voice server', () => {
  it('a bot joins through the gateway, connects to the voice server, and leaves', async () => {
    const { client, ready } = await GatewayTestClient.ready(fake.gatewayUrl, TOKEN);
    const sessionId = (ready.d as { session_id: string }).session_id;
    const c = joinVoiceChannel({
      guildId: GUILD,
      channelId: CHANNEL,
      adapterCreator: gatewayAdapter(client),
      daveEncryption: false,
    });
    c.on('error', () => undefined);
    try {
      await entersState(c, VoiceConnectionStatus.Ready, 10_000);
      const session = fake.voice!.session(sessionId);
      expect(session?.grant).toMatchObject({ guildId: GUILD, channelId: CHANNEL, userId: BOT, sessionId });
      expect(session?.mode).toBe('aead_aes256_gcm_rtpsize');
      c.destroy();
      const deadline = Date.now() + 5_000;
      while (!session?.ended && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(session?.ended).toBe(true);
    } finally {
      if (c.state.status !== VoiceConnectionStatus.Destroyed) c.destroy();
      await client.close();
    }
  });
});
