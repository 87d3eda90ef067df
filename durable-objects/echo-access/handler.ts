/** echo-access: PostMessage for an echo tenant is recorded by the tenant's EchoConversation. */
import { PostMessage } from '@promethean/schemas/commands/post-message';
import { defineAgent } from '@promethean/shared/agent/agent-definition';
import manifest from './agent.yml';

export const echoAccess = defineAgent(manifest, 'durable-objects/echo-access/agent.yml')
  .on(PostMessage, async (msg, ctx) => {
    const { foreign_ids } = await ctx.effects.provider.postMessage({
      channel: { foreign_id: msg.payload.channel.foreign_id },
      content: msg.payload.content,
      reply_to: msg.payload.reply_to,
      mention_users: msg.payload.mention_users,
      idempotency_key: msg.payload.idempotency_key,
      interaction_urn: msg.payload.interaction_urn,
      interaction_response: msg.payload.interaction_response,
      ephemeral: msg.payload.ephemeral,
    });
    ctx.telemetry.info('echo message recorded', { foreign_ids });
  })
  .build();
