/** Maps an attachment and its fetch outcome to document slots, and back to the attachment.indexed payload. */
import type { AttachmentIndexed } from '@promethean/schemas/events/attachment-indexed';
import type { SocialAttachment, SocialRef } from '@promethean/schemas/events/social-message';
import type { PayloadOf } from '@promethean/schemas/message-definition';
import type { StoredDocument } from '@promethean/shared/effects/document-store';

type Indexed = PayloadOf<typeof AttachmentIndexed>;

/** The message an attachment arrived with. */
export interface AttachmentOrigin {
  urn: string;
  foreign_id: string;
  channel: SocialRef;
  space?: SocialRef | undefined;
  author?: SocialRef | undefined;
  content: string;
  /** When the message (or its edit) was posted: the metadata slot's version. */
  posted_at: string;
}

export type FetchOutcome =
  | { status: 'stored'; stored: NonNullable<Indexed['stored']> }
  | {
      status: 'refused';
      refusal: NonNullable<Indexed['refusal']>;
    };

/** A stored outcome beats a refusal (slot versions compare as strings), and is never replaced by one. */
const OUTCOME_VERSION = { stored: '2', refused: '1' } as const;
const MESSAGE_TEXT_LIMIT = 2000;

/** The content-addressed blob key: identical bytes share one blob per tenant. */
export function blobKeyFor(sha256: string): string {
  return `attachments/sha256/${sha256}`;
}

function urlForRecord(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname}`;
}

/** The document: a `metadata` slot (what the message said) and a `content` slot (what the fetch got). */
export function attachmentDocument(
  scope: { provider: string; tenant: string },
  origin: AttachmentOrigin,
  att: SocialAttachment,
  outcome: FetchOutcome,
): StoredDocument {
  return {
    provider: scope.provider,
    tenant: scope.tenant,
    foreign_id: att.foreign_id,
    urn: att.urn,
    index: {
      channel_id: origin.channel.foreign_id,
      message_id: origin.foreign_id,
      status: outcome.status,
      ...(outcome.status === 'stored' && { sha256: outcome.stored.sha256 }),
    },
    slots: {
      metadata: {
        version: origin.posted_at,
        value: {
          filename: att.filename,
          declared_content_type: att.content_type,
          declared_size: att.size,
          url: urlForRecord(att.url),
          message: { urn: origin.urn, foreign_id: origin.foreign_id },
        },
      },
      content: { version: OUTCOME_VERSION[outcome.status], value: outcome },
    },
  };
}

/** The fetch outcome a stored document already holds, so a redelivery does not fetch again. */
export function storedOutcome(doc: StoredDocument | undefined): FetchOutcome | undefined {
  const value = doc?.slots.content?.value as FetchOutcome | undefined;
  return value?.status === 'stored' || value?.status === 'refused' ? value : undefined;
}

export function indexedPayload(
  origin: AttachmentOrigin,
  att: SocialAttachment,
  outcome: FetchOutcome,
): Indexed {
  return {
    urn: att.urn,
    foreign_id: att.foreign_id,
    message: { urn: origin.urn, foreign_id: origin.foreign_id },
    channel: origin.channel,
    ...(origin.space && { space: origin.space }),
    ...(origin.author && { author: origin.author }),
    filename: att.filename,
    ...(att.content_type !== undefined && { declared_content_type: att.content_type }),
    declared_size: att.size,
    message_text: origin.content.slice(0, MESSAGE_TEXT_LIMIT),
    posted_at: origin.posted_at,
    ...outcome,
  };
}
