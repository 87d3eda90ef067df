/**
 * A `DiscordGatewayAdapterCreator` that stands in for the main gateway in voice tests: a join (op 4) is
 * answered at once with the bot's VOICE_STATE_UPDATE and a VOICE_SERVER_UPDATE pointing at the fake voice
 * server (whose grant it registers), a leave ends the voice session. The real path through the fake
 * gateway is `startFakeDiscord({voice: ...})`; this one keeps protocol tests to one process and one socket.
 */
import { createHash } from 'node:crypto';
import type { DiscordGatewayAdapterCreator } from '@discordjs/voice';
import type { FakeVoiceServer } from './fake-voice-server.ts';

/** The bot as the adapter presents it. */
export interface TestVoiceUser {
  readonly userId: string;
  /** The main gateway session id (Discord reports it as the voice state's session_id). */
  readonly sessionId: string;
}

/** An adapter creator bound to `server` for `user`; counts the op 4 payloads it was asked to send. */
export function directVoiceAdapter(
  server: FakeVoiceServer,
  user: TestVoiceUser,
): DiscordGatewayAdapterCreator & { readonly sent: unknown[] } {
  const sent: unknown[] = [];
  const creator: DiscordGatewayAdapterCreator = (methods) => ({
    sendPayload(payload) {
      sent.push(payload);
      const d = (payload as { d: { guild_id: string; channel_id: string | null } }).d;
      queueMicrotask(() => {
        if (d.channel_id === null) {
          server.endSession(d.guild_id, user.userId);
          methods.onVoiceStateUpdate({
            guild_id: d.guild_id,
            channel_id: null,
            user_id: user.userId,
            session_id: user.sessionId,
            deaf: false,
            mute: false,
            self_deaf: false,
            self_mute: false,
            self_video: false,
            suppress: false,
            request_to_speak_timestamp: null,
          });
          return;
        }
        const token = createHash('sha256')
          .update(`${user.sessionId}:${sent.length}`)
          .digest('hex')
          .slice(0, 16);
        server.grant({
          guildId: d.guild_id,
          channelId: d.channel_id,
          userId: user.userId,
          sessionId: user.sessionId,
          token,
        });
        methods.onVoiceStateUpdate({
          guild_id: d.guild_id,
          channel_id: d.channel_id,
          user_id: user.userId,
          session_id: user.sessionId,
          deaf: false,
          mute: false,
          self_deaf: false,
          self_mute: false,
          self_video: false,
          suppress: false,
          request_to_speak_timestamp: null,
        });
        methods.onVoiceServerUpdate({ token, guild_id: d.guild_id, endpoint: server.endpoint });
      });
      return true;
    },
    destroy() {},
  });
  return Object.assign(creator, { sent });
}
