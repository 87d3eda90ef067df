/**
 * The echo interaction adapter: the echo network's signed slash commands, recorded in the tenant's
 * EchoConversation (command + "thinking…" placeholder) so that answers land in its transcript.
 */
import {
  describeEchoCommand,
  echoResponses,
  MalformedEchoInteractionError,
  readEchoInteraction,
} from '@promethean/shared/providers/echo/echo-interaction';
import {
  type InteractionAdapter,
  type InteractionReading,
  MalformedInteractionBodyError,
} from './interaction-adapter.ts';

const conversation = (env: AccessEnv, tenant: string) =>
  env.ECHO_CONVERSATION.get(env.ECHO_CONVERSATION.idFromName(tenant));

export const echoInteractions: InteractionAdapter = {
  publicKeyCredential: 'public_key',

  read(json: unknown, tenant: string): InteractionReading {
    try {
      return readEchoInteraction(json, tenant);
    } catch (e) {
      if (e instanceof MalformedEchoInteractionError)
        throw new MalformedInteractionBodyError(e.message, { cause: e });
      throw e;
    }
  },

  responses: echoResponses,

  async hold(env, tenant, reading, ephemeral, receivedAt) {
    await conversation(env, tenant.tenant).openInteraction({
      urn: reading.call.interaction_urn,
      channel: reading.call.channel.foreign_id,
      user: {
        id: reading.call.user.foreign_id,
        name: reading.call.user.name ?? reading.call.user.foreign_id,
      },
      text: describeEchoCommand(reading.call),
      ephemeral,
      received_at: receivedAt,
    });
  },

  async apologize(env, tenant, reading, content) {
    await conversation(env, tenant.tenant).answerInteraction(
      String(tenant.config.settings.bot_user_id ?? '100'),
      {
        channel: { foreign_id: reading.call.channel.foreign_id },
        content,
        mention_users: [],
        idempotency_key: `${reading.call.interaction_urn}:not-started`,
        interaction_urn: reading.call.interaction_urn,
      },
    );
  },
};
