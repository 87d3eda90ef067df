/** Maps normalized message events to document slots, and slots back to the message a reader sees. */
import type {
  SocialMessageCreated,
  SocialMessageDeleted,
  SocialMessageUpdated,
} from '@promethean/schemas/events/social-message';
import type { PayloadOf } from '@promethean/schemas/message-definition';
import type { StoredDocument } from '@promethean/shared/effects/document-store';

type Created = PayloadOf<typeof SocialMessageCreated>;
type Updated = PayloadOf<typeof SocialMessageUpdated>;
type Deleted = PayloadOf<typeof SocialMessageDeleted>;

interface Scope {
  provider: string;
  tenant: string;
}

function base(scope: Scope, p: Created | Updated | Deleted): Omit<StoredDocument, 'slots'> {
  return {
    provider: scope.provider,
    tenant: scope.tenant,
    foreign_id: p.foreign_id,
    urn: p.urn,
    index: { channel_id: p.channel.foreign_id, ...(p.space && { space_id: p.space.foreign_id }) },
  };
}

/** The create slot: the full message as first posted (the raw provider payload is not stored). */
export function createdDocument(scope: Scope, p: Created): StoredDocument {
  const { provider_payload: _raw, ...message } = p;
  return {
    ...base(scope, p),
    index: { ...base(scope, p).index, author_id: p.author.foreign_id },
    slots: { created: { version: p.created_at, value: message } },
  };
}

/** The edit slot: only the newest edit is kept, whatever order edits arrive in. */
export function updatedDocument(scope: Scope, p: Updated): StoredDocument {
  const { provider_payload: _raw, ...edit } = p;
  return { ...base(scope, p), slots: { edit: { version: p.edited_at, value: edit } } };
}

/** The tombstone slot: once present, readers treat the message as deleted. */
export function deletedDocument(scope: Scope, p: Deleted): StoredDocument {
  return {
    ...base(scope, p),
    slots: { deleted: { version: p.deleted_at, value: { deleted_at: p.deleted_at } } },
  };
}

export interface MessageView {
  urn: string;
  foreign_id: string;
  channel_id: string;
  author?: { foreign_id: string; name?: string | undefined; bot: boolean };
  content?: string;
  created_at?: string;
  edited_at?: string;
  deleted: boolean;
}

/** What a reader sees: the original message with the newest edit applied, or a tombstone. */
export function messageView(doc: StoredDocument): MessageView {
  const created = doc.slots.created?.value as Partial<Created> | undefined;
  const edit = doc.slots.edit?.value as Partial<Updated> | undefined;
  const author = edit?.author ?? created?.author;
  const content = edit?.content ?? created?.content;
  return {
    urn: doc.urn,
    foreign_id: doc.foreign_id,
    channel_id: doc.index.channel_id ?? '',
    ...(author && { author: { foreign_id: author.foreign_id, name: author.name, bot: author.bot } }),
    ...(content !== undefined && { content }),
    ...(created?.created_at !== undefined && { created_at: created.created_at }),
    ...(edit?.edited_at !== undefined && { edited_at: edit.edited_at }),
    deleted: doc.slots.deleted !== undefined,
  };
}
