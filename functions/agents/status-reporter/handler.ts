/**
 * status-reporter: answers `interaction.status` (a /status command) with the tenant's operational status,
 * ephemerally (only the asker sees it), through the interaction it came from.
 */
import { PostMessage } from '@promethean/schemas/commands/post-message';
import { InteractionStatus } from '@promethean/schemas/interactions/interaction-commands';
import { defineAgent } from '@promethean/shared/agent/agent-definition';
import manifest from './agent.yml';
import { statusAnswer } from './status-answer.ts';

export const statusReporter = defineAgent(manifest, 'functions/agents/status-reporter/agent.yml')
  .on(InteractionStatus, async (msg, ctx) => {
    const { interaction_urn, channel } = msg.payload;
    const status = await ctx.effects.status.tenantStatus({ provider: msg.provider, tenant: msg.tenant });
    await ctx.effects.publish(
      PostMessage,
      {
        channel: { urn: channel.urn, foreign_id: channel.foreign_id },
        content: statusAnswer(status),
        idempotency_key: `status:${interaction_urn}`,
        interaction_urn,
        ephemeral: true,
      },
      { id: `status:${interaction_urn}` },
    );
    ctx.telemetry.info('status answered', { problems: status.problems.length });
  })
  .build();
