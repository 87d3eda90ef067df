/** discord-gateway: start, stop and presence commands for a tenant's gateway shard. */
import { GatewayControl } from '@promethean/schemas/ops/ops-messages';
import { defineAgent } from '@promethean/shared/agent/agent-definition';
import manifest from './agent.yml';

export const discordGateway = defineAgent(manifest, 'durable-objects/discord-gateway/agent.yml')
  .on(GatewayControl, async (msg, ctx) => {
    const { action, shard, presence } = msg.payload;
    const result = await ctx.effects.provider.gatewayControl({
      action,
      shard,
      ...(presence && { presence }),
    });
    ctx.telemetry.info('gateway control', { action, shard, status: result.status });
  })
  .build();
