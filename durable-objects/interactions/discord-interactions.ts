/**
 * The Discord interaction adapter: reads Discord's interaction JSON, answers with Discord's response
 * types, and hands each interaction token to the tenant's RestBuckets, which alone answers through it.
 */
import {
  discordResponses,
  MalformedInteractionError,
  readDiscordInteraction,
} from '@promethean/shared/providers/discord/interaction-normalize';
import {
  type CommandReading,
  type InteractionAdapter,
  type InteractionReading,
  MalformedInteractionBodyError,
} from './interaction-adapter.ts';

const restBuckets = (env: AccessEnv, tenant: string) =>
  env.REST_BUCKETS.get(env.REST_BUCKETS.idFromName(tenant));

export const discordInteractions: InteractionAdapter = {
  publicKeyCredential: 'public_key',

  read(json: unknown, tenant: string): InteractionReading {
    try {
      return readDiscordInteraction(json, tenant);
    } catch (e) {
      if (e instanceof MalformedInteractionError)
        throw new MalformedInteractionBodyError(e.message, { cause: e });
      throw e;
    }
  },

  responses: discordResponses,

  async hold(env, tenant, reading: CommandReading, _ephemeral, receivedAt) {
    if (!reading.credential) throw new Error('a Discord command interaction always carries its token');
    await restBuckets(env, tenant.tenant).holdInteractionToken({
      urn: reading.call.interaction_urn,
      application_id: reading.credential.application_id,
      token: reading.credential.token,
      received_at: receivedAt,
    });
  },

  async apologize(env, tenant, reading, content) {
    await restBuckets(env, tenant.tenant).postMessage(tenant.tenant, {
      channel: { foreign_id: reading.call.channel.foreign_id },
      content,
      mention_users: [],
      idempotency_key: `${reading.call.interaction_urn}:not-started`,
      interaction_urn: reading.call.interaction_urn,
    });
  },
};
