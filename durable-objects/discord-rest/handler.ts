/** discord-rest: REST requests and PostMessage commands for Discord tenants, through RestBuckets. */
import { PostMessage } from '@promethean/schemas/commands/post-message';
import { RestRequest, RestResponse } from '@promethean/schemas/rest/rest-messages';
import { defineAgent } from '@promethean/shared/agent/agent-definition';
import manifest from './agent.yml';

export const discordRest = defineAgent(manifest, 'durable-objects/discord-rest/agent.yml')
  .on(RestRequest, async (msg, ctx) => {
    const result = await ctx.effects.provider.restCall(msg.payload);
    // The response id derives from the request id, so a redelivered request overwrites, never duplicates.
    await ctx.effects.publish(RestResponse, result, {
      id: `${msg.id}:response`,
      ...(msg.corr !== undefined && { corr: msg.corr }),
    });
  })
  .on(PostMessage, async (msg, ctx) => {
    const { foreign_ids } = await ctx.effects.provider.postMessage(msg.payload);
    ctx.telemetry.info('posted', { foreign_ids, chunks: foreign_ids.length });
  })
  .build();
