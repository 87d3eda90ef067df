/**
 * What a message document's vector holds: its id, the text embedded and the metadata search filters on.
 * The embedder writes exactly this, and the integrity report (shared/migrations/integrity/) checks Chroma
 * against exactly this, so the two cannot disagree about what "in step" means.
 */
import type { StoredDocument } from '@promethean/shared/effects/document-store';
import type { VectorRecord } from '@promethean/shared/effects/effect-ports';
import type { VectorSource } from '@promethean/shared/migrations/integrity/vector-source';
import { type MessageView, messageView } from '../message-indexer/message-document.ts';

/** Embedding models take a few thousand tokens; chat messages are shorter, but a bound keeps it so. */
export const MAX_EMBED_CHARS = 8000;

/** What search filters on: channel, author, time; only defined values (vector stores refuse null). */
export function metadataOf(view: MessageView, doc: StoredDocument): VectorRecord['metadata'] {
  return {
    urn: view.urn,
    channel_id: view.channel_id,
    ...(doc.index.space_id !== undefined && { space_id: doc.index.space_id }),
    ...(view.author && { author_id: view.author.foreign_id, author_bot: view.author.bot }),
    ...(view.created_at !== undefined && { created_at: view.created_at }),
    ...(view.edited_at !== undefined && { edited_at: view.edited_at }),
  };
}

/** The vector a message should have, or why it has none (deleted, or no text left after an edit). */
export function messageVectorSource(doc: StoredDocument): VectorSource {
  const view = messageView(doc);
  if (view.deleted) return { id: view.urn, skip: 'deleted' };
  const text = (view.content ?? '').trim();
  if (text === '') return { id: view.urn, skip: 'empty content' };
  return { id: view.urn, text: text.slice(0, MAX_EMBED_CHARS), metadata: metadataOf(view, doc) };
}
