/** Turns Discord gateway dispatches into the platform's normalized message events. */
import type {
  SocialMessageCreated,
  SocialMessageDeleted,
  SocialMessageUpdated,
} from '@promethean/schemas/events/social-message';
import type { PayloadOf } from '@promethean/schemas/message-definition';
import type { z } from 'zod';
import { allowlistAdmits } from '../../platform/tenant-allowlist.ts';
import { toUrn } from '../../platform/urns.ts';
import { RawMessageCreate, RawMessageDelete, RawMessageUpdate, type RawUser } from './raw-events.ts';

export interface NormalizeContext {
  tenant: string;
  /** The bot's own user id, to tell when a message addresses it. */
  botUserId: string;
  /** When the event was received (MESSAGE_DELETE carries no time of its own). */
  receivedAt: string;
}

export type NormalizedEvent =
  | { intent: 'SocialMessageCreated'; payload: PayloadOf<typeof SocialMessageCreated> }
  | { intent: 'SocialMessageUpdated'; payload: PayloadOf<typeof SocialMessageUpdated> }
  | { intent: 'SocialMessageDeleted'; payload: PayloadOf<typeof SocialMessageDeleted> };

const urn = (tenant: string, kind: string, id: string) => toUrn({ provider: 'discord', kind, tenant, id });

/** Discord sends microseconds and offsets; stores compare versions as strings, so use one UTC form. */
const utc = (timestamp: string) => new Date(timestamp).toISOString();

function place(tenant: string, channelId: string, guildId: string | undefined) {
  return {
    channel: { urn: urn(tenant, 'channel', channelId), foreign_id: channelId },
    ...(guildId !== undefined && { space: { urn: urn(tenant, 'guild', guildId), foreign_id: guildId } }),
    is_direct: guildId === undefined,
  };
}

function author(tenant: string, u: z.infer<typeof RawUser>) {
  return {
    urn: urn(tenant, 'user', u.id),
    foreign_id: u.id,
    name: u.global_name ?? u.username,
    bot: u.bot ?? false,
  };
}

function attachments(tenant: string, list: RawMessageCreate['attachments']) {
  return list.map((a) => ({
    urn: urn(tenant, 'attachment', a.id),
    foreign_id: a.id,
    url: a.url,
    filename: a.filename,
    size: a.size,
    ...(a.content_type !== undefined && { content_type: a.content_type }),
  }));
}

function created(raw: unknown, ctx: NormalizeContext): NormalizedEvent {
  const m = RawMessageCreate.parse(raw);
  const users = m.mentions.map((u) => u.id);
  return {
    intent: 'SocialMessageCreated',
    payload: {
      urn: urn(ctx.tenant, 'message', m.id),
      foreign_id: m.id,
      ...place(ctx.tenant, m.channel_id, m.guild_id),
      author: author(ctx.tenant, m.author),
      content: m.content,
      created_at: utc(m.timestamp),
      ...(m.edited_timestamp && { edited_at: utc(m.edited_timestamp) }),
      ...(m.message_reference?.message_id !== undefined && { reply_to: m.message_reference.message_id }),
      attachments: attachments(ctx.tenant, m.attachments),
      mentions: {
        users,
        roles: m.mention_roles,
        everyone: m.mention_everyone,
        bot: users.includes(ctx.botUserId),
      },
      provider_payload: raw,
    },
  };
}

/** Updates without an edit time are embed unfurls, not edits: they produce nothing. */
function updated(raw: unknown, ctx: NormalizeContext): NormalizedEvent | undefined {
  const m = RawMessageUpdate.parse(raw);
  if (!m.edited_timestamp) return undefined;
  return {
    intent: 'SocialMessageUpdated',
    payload: {
      urn: urn(ctx.tenant, 'message', m.id),
      foreign_id: m.id,
      ...place(ctx.tenant, m.channel_id, m.guild_id),
      ...(m.author && { author: author(ctx.tenant, m.author) }),
      ...(m.content !== undefined && { content: m.content }),
      edited_at: utc(m.edited_timestamp),
      ...(m.attachments && { attachments: attachments(ctx.tenant, m.attachments) }),
      provider_payload: raw,
    },
  };
}

function deleted(raw: unknown, ctx: NormalizeContext): NormalizedEvent {
  const m = RawMessageDelete.parse(raw);
  return {
    intent: 'SocialMessageDeleted',
    payload: {
      urn: urn(ctx.tenant, 'message', m.id),
      foreign_id: m.id,
      ...place(ctx.tenant, m.channel_id, m.guild_id),
      deleted_at: utc(ctx.receivedAt),
      provider_payload: raw,
    },
  };
}

/**
 * A message object from a REST list (`GET /channels/{channel_id}/messages`) as a SocialMessageCreated
 * payload without `provider_payload` (so a page fits in one queue message). REST message objects carry
 * no `guild_id`; the caller passes the channel's space when it knows it.
 */
export function normalizeListedMessage(
  raw: unknown,
  ctx: NormalizeContext & { spaceId?: string | undefined },
): PayloadOf<typeof SocialMessageCreated> {
  const withSpace =
    ctx.spaceId !== undefined && typeof raw === 'object' && raw !== null && !('guild_id' in raw)
      ? { ...raw, guild_id: ctx.spaceId }
      : raw;
  const event = created(withSpace, ctx);
  const { provider_payload: _raw, ...payload } = event.payload as PayloadOf<typeof SocialMessageCreated>;
  return payload;
}

/**
 * The normalized event for a dispatch, or undefined for dispatches that carry no message event.
 * Throws a ZodError (with the failing path) for a malformed payload.
 */
export function normalizeDispatch(
  type: string,
  data: unknown,
  ctx: NormalizeContext,
): NormalizedEvent | undefined {
  switch (type) {
    case 'MESSAGE_CREATE':
      return created(data, ctx);
    case 'MESSAGE_UPDATE':
      return updated(data, ctx);
    case 'MESSAGE_DELETE':
      return deleted(data, ctx);
    default:
      return undefined;
  }
}

/** Whether a dispatch passes the tenant's allowlist (empty lists allow everything). */
export function allowedByList(
  data: unknown,
  allow: { spaces: readonly string[]; channels: readonly string[] },
): boolean {
  const d = (data ?? {}) as { guild_id?: unknown; channel_id?: unknown };
  return allowlistAdmits(allow, {
    spaceId: typeof d.guild_id === 'string' ? d.guild_id : undefined,
    channelId: typeof d.channel_id === 'string' ? d.channel_id : undefined,
  });
}
