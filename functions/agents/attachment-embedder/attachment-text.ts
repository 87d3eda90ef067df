/**
 * What an attachment becomes as searchable text: the model's description of an image (when the
 * configured models can see), an excerpt of a text file, or else its metadata — always with the
 * message it was posted with.
 */

import type { ModelRef } from '@promethean/schemas/envelope';
import type { AttachmentIndexed } from '@promethean/schemas/events/attachment-indexed';
import type { PayloadOf } from '@promethean/schemas/message-definition';
import type { RuntimeContext } from '@promethean/shared/agent/runtime-context';

type Indexed = PayloadOf<typeof AttachmentIndexed>;

const TEXT_EXCERPT_CHARS = 2000;
const MESSAGE_CONTEXT_CHARS = 500;
const TEXT_TYPES = /^(?:text\/|application\/json$)/;

export interface AttachmentText {
  text: string;
  /** How the text was made: `description` (vision model), `excerpt` (text file), `metadata`. */
  source: 'description' | 'excerpt' | 'metadata';
  /** The model that described the image, when one did. */
  describedBy?: ModelRef;
}

/** `1.2 KB`, `3.4 MB`: what a person would search for. */
export function humanSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

function metadataLine(p: Indexed): string {
  const type = p.stored?.content_type ?? p.declared_content_type ?? 'unknown type';
  const size = humanSize(p.stored?.size ?? p.declared_size);
  const refused = p.refusal ? `; not stored: ${p.refusal.reason}` : '';
  return `Attachment "${p.filename}" (${type}, ${size}${refused})`;
}

function withMessage(text: string, p: Indexed): string {
  const message = p.message_text.replace(/\s+/g, ' ').trim().slice(0, MESSAGE_CONTEXT_CHARS);
  return message === '' ? text : `${text}\nPosted with the message: "${message}"`;
}

async function describe(
  ctx: RuntimeContext,
  p: Indexed,
  maxBytes: number,
): Promise<AttachmentText | undefined> {
  const stored = p.stored;
  if (!stored?.content_type.startsWith('image/') || stored.size > maxBytes) return undefined;
  const bytes = await ctx.effects.blobs.get(stored.blob_key);
  if (!bytes) return undefined;
  const answer = await ctx.effects.models.describeImage({ bytes, content_type: stored.content_type });
  if (!answer) return undefined;
  return {
    text: withMessage(`Image "${p.filename}": ${answer.text.trim()}`, p),
    source: 'description',
    describedBy: { role: 'vision', name: answer.model, offline: answer.offline },
  };
}

async function excerpt(ctx: RuntimeContext, p: Indexed): Promise<AttachmentText | undefined> {
  const stored = p.stored;
  if (!stored || !TEXT_TYPES.test(stored.content_type)) return undefined;
  const bytes = await ctx.effects.blobs.get(stored.blob_key);
  if (!bytes) return undefined;
  const body = new TextDecoder().decode(bytes).trim().slice(0, TEXT_EXCERPT_CHARS);
  if (body === '') return undefined;
  return { text: withMessage(`${metadataLine(p)}:\n${body}`, p), source: 'excerpt' };
}

/** The text to embed for one attachment (see the file comment for the order of preference). */
export async function attachmentText(
  ctx: RuntimeContext,
  p: Indexed,
  describeMaxBytes: number,
): Promise<AttachmentText> {
  return (
    (await describe(ctx, p, describeMaxBytes)) ??
    (await excerpt(ctx, p)) ?? { text: withMessage(metadataLine(p), p), source: 'metadata' }
  );
}
