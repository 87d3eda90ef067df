/** discord-rest: REST requests and PostMessage commands for Discord tenants, through RestBuckets. */
import { PostMessage } from '@promethean/schemas/commands/post-message';
import { RestRequest, RestResponse } from '@promethean/schemas/rest/rest-messages';
import { defineAgent } from '@promethean/shared/agent/agent-definition';
import { normalizedResponses } from '../rest/normalized-response.ts';
import manifest from './agent.yml';

/**
 * Normalizes when asked; a provider answer that does not parse is answered as a 422, so the requester
 * stops loudly instead of skipping messages or retrying a page that will never parse.
 */
function answersFor(...args: Parameters<typeof normalizedResponses>): ReturnType<typeof normalizedResponses> {
  try {
    return normalizedResponses(...args);
  } catch (e) {
    const message = `the provider's answer could not be normalized: ${e instanceof Error ? e.message : String(e)}`;
    return [
      {
        ok: false,
        status: 422,
        bucket: args[1].bucket,
        retry_after_ms: null,
        data: null,
        error: { code: 'invalid_provider_data', message: message.slice(0, 1_000) },
      },
    ];
  }
}

export const discordRest = defineAgent(manifest, 'durable-objects/discord-rest/agent.yml')
  .on(RestRequest, async (msg, ctx) => {
    const result = await ctx.effects.provider.restCall(msg.payload);
    const responses = answersFor(msg.payload, result, {
      tenant: msg.tenant,
      botUserId: String(ctx.tenantView.config.settings.bot_user_id ?? ''),
      receivedAt: new Date(ctx.clock.now()).toISOString(),
    });
    // Response ids derive from the request id, so a redelivered request overwrites, never duplicates.
    for (const [i, response] of responses.entries()) {
      await ctx.effects.publish(RestResponse, response, {
        id: responses.length === 1 ? `${msg.id}:response` : `${msg.id}:response:${i}`,
        ...(msg.corr !== undefined && { corr: msg.corr }),
      });
    }
  })
  .on(PostMessage, async (msg, ctx) => {
    const { foreign_ids } = await ctx.effects.provider.postMessage(msg.payload);
    ctx.telemetry.info('posted', { foreign_ids, chunks: foreign_ids.length });
  })
  .build();
