/**
 * voice-commands: turns `interaction.voice` (/voice join|leave) into voice control commands for the
 * voice host and answers the user. Sessions are keyed by provider, tenant and space, so a leave finds
 * whatever session a join started without this worker keeping state.
 */
import { PostMessage } from '@promethean/schemas/commands/post-message';
import { InteractionVoice } from '@promethean/schemas/interactions/interaction-commands';
import type { PayloadOf } from '@promethean/schemas/message-definition';
import { VoiceControlJoin, VoiceControlLeave } from '@promethean/schemas/voice/voice-messages';
import { defineAgent } from '@promethean/shared/agent/agent-definition';
import type { RuntimeContext } from '@promethean/shared/agent/runtime-context';
import { sessionDocument } from '../../voice/voice-documents.ts';
import manifest from './agent.yml';

type VoiceCommand = PayloadOf<typeof InteractionVoice>;

/** One voice session per provider, tenant and space (guild): the voice host allows no more. */
export function voiceSessionId(provider: string, tenant: string, spaceId: string): string {
  return `${provider}-${tenant}-${spaceId}`;
}

async function answer(ctx: RuntimeContext, p: VoiceCommand, content: string): Promise<void> {
  await ctx.effects.publish(
    PostMessage,
    {
      channel: { urn: p.channel.urn, foreign_id: p.channel.foreign_id },
      content,
      idempotency_key: `voice:${p.interaction_urn}`,
      interaction_urn: p.interaction_urn,
    },
    { id: `voice:${p.interaction_urn}:answer` },
  );
}

export const voiceCommands = defineAgent(manifest, 'functions/agents/voice-commands/agent.yml')
  .on(InteractionVoice, async (msg, ctx) => {
    const p = msg.payload;
    if (p.space === undefined) {
      await answer(ctx, p, 'Voice works in a server: run /voice there, in a server with a voice channel.');
      return;
    }
    const session_id = voiceSessionId(msg.provider, msg.tenant, p.space.foreign_id);
    if (p.action === 'leave') {
      // The session document (docs/voice.md, "Voice documents") records the request for the status page.
      await ctx.effects.documents.upsertMany('voice', [
        sessionDocument(ctx, session_id, 'leave', msg.ts, {
          guild_id: p.space.foreign_id,
          interaction_urn: p.interaction_urn,
        }),
      ]);
      await ctx.effects.publish(
        VoiceControlLeave,
        { session_id, guild_id: p.space.foreign_id },
        { id: `voice:${p.interaction_urn}:leave` },
      );
      await answer(ctx, p, 'Asked Duck to leave the voice channel.');
      return;
    }
    if (p.voice_channel === undefined) {
      await answer(ctx, p, '/voice join needs a voice channel.');
      return;
    }
    await ctx.effects.documents.upsertMany('voice', [
      sessionDocument(ctx, session_id, 'join', msg.ts, {
        guild_id: p.space.foreign_id,
        channel_id: p.voice_channel.foreign_id,
        channel_urn: p.voice_channel.urn,
        ...(p.voice_channel.name !== undefined && { channel_name: p.voice_channel.name }),
        interaction_urn: p.interaction_urn,
      }),
    ]);
    await ctx.effects.publish(
      VoiceControlJoin,
      {
        session_id,
        guild_id: p.space.foreign_id,
        channel_id: p.voice_channel.foreign_id,
        self_deaf: ctx.settings.self_deaf === true,
      },
      { id: `voice:${p.interaction_urn}:join` },
    );
    const where = p.voice_channel.name ? `🔊 ${p.voice_channel.name}` : 'the voice channel';
    await answer(
      ctx,
      p,
      `Asked Duck to join ${where}: it listens and answers there. /voice leave sends it away.`,
    );
  })
  .build();
