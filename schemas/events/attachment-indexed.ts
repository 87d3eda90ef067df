/** The attachment-indexer's output: one attachment fetched through the SSRF guard and stored, or refused. */
import { z } from 'zod';
import { ForeignId, IsoTimestamp, UrnString } from '../identifiers.ts';
import { defineMessage } from '../message-definition.ts';
import { SocialRef } from './social-message.ts';

/** Where the bytes went: content-addressed, so identical files are stored once per tenant. */
export const StoredAttachment = z.object({
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'lowercase hex SHA-256'),
  blob_key: z.string().min(1),
  /** The media type the origin served (checked against the allowlist). */
  content_type: z.string().min(1),
  size: z.number().int().nonnegative(),
});

/** Why the attachment was not stored: a guard refusal reason (`blocked_address`, `too_large`, ...) or `upstream_<status>`. */
export const AttachmentRefusal = z.object({
  reason: z.string().min(1),
  message: z.string(),
});

export const AttachmentIndexed = defineMessage({
  intent: 'attachment.indexed',
  area: 'events',
  description:
    'An attachment was fetched through the SSRF guard and stored by content hash, or refused for good; the attachment-embedder indexes it.',
  payload: z
    .object({
      urn: UrnString.describe('the attachment'),
      foreign_id: ForeignId,
      message: z.object({ urn: UrnString, foreign_id: ForeignId }),
      channel: SocialRef,
      space: SocialRef.optional(),
      author: SocialRef.optional(),
      filename: z.string().min(1),
      /** What the message claimed; the stored content type is in `stored`. */
      declared_content_type: z.string().optional(),
      declared_size: z.number().int().nonnegative(),
      /** The message's text (clipped), context for describing the attachment. */
      message_text: z.string().max(2000).default(''),
      posted_at: IsoTimestamp,
      status: z.enum(['stored', 'refused']),
      stored: StoredAttachment.optional(),
      refusal: AttachmentRefusal.optional(),
    })
    .refine((p) => (p.status === 'stored') === (p.stored !== undefined), {
      message: 'stored is present exactly when status is stored',
      path: ['stored'],
    })
    .refine((p) => (p.status === 'refused') === (p.refusal !== undefined), {
      message: 'refusal is present exactly when status is refused',
      path: ['refusal'],
    }),
});
