/** Maps a PostMessage command to Discord REST calls: split at 2,000 characters, no unintended pings. */
import { splitMessage } from './message-splitter.ts';
import type { RestCall } from './rest-executor.ts';

/** How an interaction answer lands (see the PostMessage schema's `interaction_response`). */
export type InteractionResponseMode = 'edit_original' | 'followup';

export interface PostMessageCommand {
  channel: { foreign_id: string };
  content: string;
  reply_to?: string | undefined;
  mention_users: readonly string[];
  idempotency_key: string;
  interaction?: { application_id: string; token: string } | undefined;
  interaction_response?: InteractionResponseMode | undefined;
  ephemeral?: boolean | undefined;
  /** PostMessage contract v2: no push notification (channel messages). */
  silent?: boolean | undefined;
}

const EPHEMERAL = 1 << 6;
/** Discord's SUPPRESS_NOTIFICATIONS message flag. */
const SUPPRESS_NOTIFICATIONS = 1 << 12;

function interactionCall(
  cmd: PostMessageCommand & { interaction: { application_id: string; token: string } },
  index: number,
  body: Record<string, unknown>,
  idempotency_key: string,
): RestCall {
  const params = { webhook_id: cmd.interaction.application_id, webhook_token: cmd.interaction.token };
  // The deferred response already carries its ephemeral flag; an edit cannot change it, so only
  // follow-ups state it.
  if (index === 0 && (cmd.interaction_response ?? 'edit_original') === 'edit_original') {
    return {
      method: 'PATCH',
      route: '/webhooks/{webhook_id}/{webhook_token}/messages/@original',
      params,
      body,
      idempotency_key,
      interaction: true,
    };
  }
  return {
    method: 'POST',
    route: '/webhooks/{webhook_id}/{webhook_token}',
    params,
    body: { ...body, ...(cmd.ephemeral && { flags: EPHEMERAL }) },
    idempotency_key,
    interaction: true,
  };
}

/**
 * `allowed_mentions.parse` is always empty, so `@everyone`, `@here` and role mentions never ping;
 * only the users the command names may be pinged, and a reply never pings its author. An interaction
 * answer first replaces the deferred response (`PATCH …/messages/@original`, which may be repeated to
 * show progress) and sends further chunks as follow-ups, unless the command asks for follow-ups only.
 */
export function postMessageCalls(cmd: PostMessageCommand): RestCall[] {
  const allowed_mentions = {
    parse: [],
    users: [...new Set(cmd.mention_users)].slice(0, 100),
    replied_user: false,
  };
  return splitMessage(cmd.content).map((content, i): RestCall => {
    const body = {
      content,
      allowed_mentions,
      ...(i === 0 &&
        cmd.reply_to !== undefined &&
        !cmd.interaction && { message_reference: { message_id: cmd.reply_to, fail_if_not_exists: false } }),
    };
    const idempotency_key = `${cmd.idempotency_key}#${i}`;
    const { interaction } = cmd;
    if (interaction) return interactionCall({ ...cmd, interaction }, i, body, idempotency_key);
    return {
      method: 'POST',
      route: '/channels/{channel_id}/messages',
      params: { channel_id: cmd.channel.foreign_id },
      body: { ...body, ...(cmd.silent === true && { flags: SUPPRESS_NOTIFICATIONS }) },
      idempotency_key,
    };
  });
}
