/** Maps a PostMessage command to Discord REST calls: split at 2,000 characters, no unintended pings. */
import { splitMessage } from './message-splitter.ts';
import type { RestCall } from './rest-executor.ts';

export interface PostMessageCommand {
  channel: { foreign_id: string };
  content: string;
  reply_to?: string | undefined;
  mention_users: readonly string[];
  idempotency_key: string;
  interaction?: { application_id: string; token: string } | undefined;
  ephemeral?: boolean | undefined;
}

const EPHEMERAL = 1 << 6;

/**
 * `allowed_mentions.parse` is always empty, so `@everyone`, `@here` and role mentions never ping;
 * only the users the command names may be pinged, and a reply never pings its author.
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
      ...(cmd.interaction && cmd.ephemeral && { flags: EPHEMERAL }),
    };
    const idempotency_key = `${cmd.idempotency_key}#${i}`;
    if (cmd.interaction) {
      return {
        method: 'POST',
        route: '/webhooks/{webhook_id}/{webhook_token}',
        params: { webhook_id: cmd.interaction.application_id, webhook_token: cmd.interaction.token },
        body,
        idempotency_key,
      };
    }
    return {
      method: 'POST',
      route: '/channels/{channel_id}/messages',
      params: { channel_id: cmd.channel.foreign_id },
      body,
      idempotency_key,
    };
  });
}
