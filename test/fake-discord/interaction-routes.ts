/**
 * Interaction callbacks and the interaction webhook (follow-ups, editing the original response),
 * as https://discord.com/developers/docs/interactions/receiving-and-responding describes them.
 */
import type { APIMessage } from 'discord-api-types/v10';
import { InteractionResponseType, InteractionType, MessageFlags, MessageType } from 'discord-api-types/v10';
import type { FakeInteraction } from './interaction-registry.ts';
import { botUser } from './message-factory.ts';
import type { RestContext, RestHandler } from './rest-context.ts';
import { bodyObject, isEmptyMessage } from './rest-context.ts';
import type { FakeResponse } from './rest-responses.ts';
import { discordError, errors, json, noContent } from './rest-responses.ts';

function asObject(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/** The interaction a callback is for; unknown ids are registered unless the fake is strict. */
function callbackTarget(ctx: RestContext): FakeInteraction | FakeResponse {
  const id = ctx.params.interaction_id ?? '';
  const token = ctx.params.interaction_token ?? '';
  const store = ctx.state.interactionStore;
  let interaction = store.byId(id);
  if (interaction === undefined && !ctx.strictInteractions) {
    interaction = ctx.state.createInteraction({ id, token, applicationId: ctx.bot?.applicationId });
  }
  if (interaction === undefined || store.isExpired(interaction)) return errors.unknownInteraction();
  if (interaction.token !== token) return discordError(401, 50027, 'Invalid Webhook Token');
  if (interaction.callback !== undefined) return errors.alreadyAcknowledged();
  return interaction;
}

/** A message posted through the interaction webhook, authored by the application's bot. */
function postAsApplication(ctx: RestContext, interaction: FakeInteraction, body: Record<string, unknown>) {
  const bot = ctx.state.botForApplication(interaction.applicationId);
  return ctx.state.createMessage({
    channelId: interaction.channelId,
    author: botUser(
      bot ?? { botUserId: interaction.applicationId, applicationId: interaction.applicationId },
    ),
    content: typeof body.content === 'string' ? body.content : '',
    embeds: Array.isArray(body.embeds) ? body.embeds : [],
    components: Array.isArray(body.components) ? body.components : [],
    flags: typeof body.flags === 'number' ? body.flags : 0,
    allowedMentions: body.allowed_mentions,
    webhookId: interaction.applicationId,
    applicationId: interaction.applicationId,
    type: MessageType.ChatInputCommand,
  });
}

const createInteractionResponse: RestHandler = (ctx) => {
  const target = callbackTarget(ctx);
  if ('status' in target) return target;
  const body = bodyObject(ctx);
  const type = Number(body.type);
  const data = asObject(body.data);
  target.callback = { type, data: body.data ?? null, at: ctx.state.now() };
  let message: APIMessage | undefined;
  if (type === InteractionResponseType.ChannelMessageWithSource) {
    message = postAsApplication(ctx, target, data);
  } else if (type === InteractionResponseType.DeferredChannelMessageWithSource) {
    // A deferred response shows a "thinking..." placeholder until the original is edited.
    const flags = (Number(data.flags ?? 0) & MessageFlags.Ephemeral) | MessageFlags.Loading;
    message = postAsApplication(ctx, target, { flags });
  }
  if (message !== undefined) target.originalMessageId = message.id;
  if (ctx.query.with_response !== true) return noContent();
  return json(200, {
    interaction: {
      id: target.id,
      type: InteractionType.ApplicationCommand,
      ...(message === undefined
        ? {}
        : {
            response_message_id: message.id,
            response_message_loading: ((message.flags ?? 0) & MessageFlags.Loading) !== 0,
            response_message_ephemeral: ((message.flags ?? 0) & MessageFlags.Ephemeral) !== 0,
          }),
    },
    resource: { type, ...(message === undefined ? {} : { message }) },
  });
};

/** The interaction behind `/webhooks/{application_id}/{interaction_token}`, once it has been answered. */
function webhookTarget(ctx: RestContext): FakeInteraction | undefined {
  const interaction = ctx.state.interactionStore.byToken(ctx.params.webhook_token ?? '');
  if (interaction === undefined || interaction.applicationId !== ctx.params.webhook_id) return undefined;
  return interaction.callback === undefined ? undefined : interaction;
}

const executeWebhook: RestHandler = (ctx) => {
  const interaction = webhookTarget(ctx);
  if (interaction === undefined) return errors.unknownWebhook();
  const body = bodyObject(ctx);
  if (isEmptyMessage(body)) return errors.emptyMessage();
  const message = postAsApplication(ctx, interaction, body);
  interaction.followupIds.push(message.id);
  // Follow-ups always wait for the message (`wait` is implied for interaction webhooks).
  return json(200, message);
};

function editAsApplication(ctx: RestContext, interaction: FakeInteraction, messageId: string | undefined) {
  const existing =
    messageId === undefined ? undefined : ctx.state.channels.message(interaction.channelId, messageId);
  if (existing === undefined) return errors.unknownMessage();
  const body = bodyObject(ctx);
  // Editing a deferred response replaces the "thinking..." placeholder with the real message.
  const flags = (typeof body.flags === 'number' ? body.flags : (existing.flags ?? 0)) & ~MessageFlags.Loading;
  return json(200, ctx.state.editMessage(interaction.channelId, existing.id, { ...body, flags }));
}

const updateOriginal: RestHandler = (ctx) => {
  const interaction = webhookTarget(ctx);
  if (interaction === undefined) return errors.unknownWebhook();
  return editAsApplication(ctx, interaction, interaction.originalMessageId);
};

const updateWebhookMessage: RestHandler = (ctx) => {
  const interaction = webhookTarget(ctx);
  if (interaction === undefined) return errors.unknownWebhook();
  const id = ctx.params.message_id ?? '';
  const owned = id === interaction.originalMessageId || interaction.followupIds.includes(id);
  return editAsApplication(ctx, interaction, owned ? id : undefined);
};

/** Handlers by the spec's operation id. */
export const interactionRoutes: Record<string, RestHandler> = {
  create_interaction_response: createInteractionResponse,
  execute_webhook: executeWebhook,
  update_original_webhook_message: updateOriginal,
  update_webhook_message: updateWebhookMessage,
};
