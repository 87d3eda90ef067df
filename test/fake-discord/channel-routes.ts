/** Channel and message operations: get/update channel, list/create/edit/delete messages. */

import { botUser } from './message-factory.ts';
import type { RestContext, RestHandler } from './rest-context.ts';
import { bodyObject, botOf, isEmptyMessage } from './rest-context.ts';
import { errors, json, noContent } from './rest-responses.ts';
import { snowflakeTime } from './snowflake.ts';

/** How far back `enforce_nonce` looks for a message with the same nonce. */
const NONCE_WINDOW_MS = 5 * 60_000;

function channelId(ctx: RestContext): string {
  return ctx.params.channel_id ?? '';
}

const getChannel: RestHandler = (ctx) => {
  const channels = ctx.state.channels;
  return json(200, channels.toApi(channels.ensure(channelId(ctx))));
};

const updateChannel: RestHandler = (ctx) => {
  const body = bodyObject(ctx);
  const changes = {
    ...(typeof body.name === 'string' ? { name: body.name } : {}),
    ...(typeof body.topic === 'string' || body.topic === null ? { topic: body.topic } : {}),
  };
  const channels = ctx.state.channels;
  return json(200, channels.toApi(channels.update(channelId(ctx), changes)));
};

const listMessages: RestHandler = (ctx) => {
  const q = ctx.query;
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  ctx.state.channels.ensure(channelId(ctx));
  const page = ctx.state.channels.page(channelId(ctx), {
    before: str(q.before),
    after: str(q.after),
    around: str(q.around),
    limit: typeof q.limit === 'number' ? q.limit : undefined,
  });
  return json(200, page);
};

const createMessage: RestHandler = (ctx) => {
  const body = bodyObject(ctx);
  if (isEmptyMessage(body)) return errors.emptyMessage();
  const bot = botOf(ctx);
  const nonce = typeof body.nonce === 'string' || typeof body.nonce === 'number' ? body.nonce : undefined;
  if (body.enforce_nonce === true && nonce !== undefined) {
    // Discord answers a repeated nonce with the message it already created (idempotent sends).
    const since = ctx.state.now() - NONCE_WINDOW_MS;
    const existing = ctx.state
      .messages(channelId(ctx))
      .find((m) => m.nonce === nonce && m.author.id === bot.botUserId && snowflakeTime(m.id) >= since);
    if (existing !== undefined) return json(200, existing);
  }
  const message = ctx.state.createMessage({
    channelId: channelId(ctx),
    author: botUser(bot),
    content: typeof body.content === 'string' ? body.content : '',
    embeds: Array.isArray(body.embeds) ? body.embeds : [],
    components: Array.isArray(body.components) ? body.components : [],
    flags: typeof body.flags === 'number' ? body.flags : 0,
    tts: body.tts === true,
    nonce,
    allowedMentions: body.allowed_mentions,
  });
  return json(200, message);
};

const updateMessage: RestHandler = (ctx) => {
  const messageId = ctx.params.message_id ?? '';
  const existing = ctx.state.channels.message(channelId(ctx), messageId);
  if (existing === undefined) return errors.unknownMessage();
  if (existing.author.id !== botOf(ctx).botUserId) return errors.cannotEditOthers();
  return json(200, ctx.state.editMessage(channelId(ctx), messageId, bodyObject(ctx)));
};

const deleteMessage: RestHandler = (ctx) => {
  const deleted = ctx.state.deleteMessage(channelId(ctx), ctx.params.message_id ?? '');
  return deleted ? noContent() : errors.unknownMessage();
};

/** Handlers by the spec's operation id. */
export const channelRoutes: Record<string, RestHandler> = {
  get_channel: getChannel,
  update_channel: updateChannel,
  list_messages: listMessages,
  create_message: createMessage,
  update_message: updateMessage,
  delete_message: deleteMessage,
};
