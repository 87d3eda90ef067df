/**
 * Embeds a batch of message events: merge them into the message documents (so the newest edit and
 * any tombstone win, whatever the delivery order), then one embed request for every live message
 * with text, one vector upsert, and one delete for deleted or emptied messages.
 */
import type {
  SocialMessageCreated,
  SocialMessageDeleted,
  SocialMessageUpdated,
} from '@promethean/schemas/events/social-message';
import type { PayloadOf } from '@promethean/schemas/message-definition';
import type { RuntimeContext } from '@promethean/shared/agent/runtime-context';
import type { StoredDocument } from '@promethean/shared/effects/document-store';
import type { VectorRecord } from '@promethean/shared/effects/effect-ports';
import { createdDocument, deletedDocument, updatedDocument } from '../message-indexer/message-document.ts';
import { messageVectorSource } from './message-vector-source.ts';

export type MessageEvent =
  | { kind: 'created'; payload: PayloadOf<typeof SocialMessageCreated> }
  | { kind: 'updated'; payload: PayloadOf<typeof SocialMessageUpdated> }
  | { kind: 'deleted'; payload: PayloadOf<typeof SocialMessageDeleted> };

export interface EmbedSummary {
  embedded: string[];
  removed: string[];
  skipped: Array<{ urn: string; reason: string }>;
}

function toDocument(scope: { provider: string; tenant: string }, e: MessageEvent): StoredDocument {
  if (e.kind === 'created') return createdDocument(scope, e.payload);
  if (e.kind === 'updated') return updatedDocument(scope, e.payload);
  return deletedDocument(scope, e.payload);
}

/** The merged documents for the batch, one per message, in first-seen order. */
async function mergedDocuments(
  ctx: RuntimeContext,
  events: readonly MessageEvent[],
): Promise<StoredDocument[]> {
  const scope = { provider: ctx.provider, tenant: ctx.tenant };
  const written = await ctx.effects.documents.upsertMany(
    'messages',
    events.map((e) => toDocument(scope, e)),
    { returnDocuments: true },
  );
  const ids = [...new Set(events.map((e) => e.payload.foreign_id))];
  // A store that does not answer documents (an older adapter) is read back instead.
  const merged = written.documents ?? (await ctx.effects.documents.getMany('messages', ids));
  const byId = new Map(merged.map((d) => [d.foreign_id, d]));
  return ids.flatMap((id) => {
    const doc = byId.get(id);
    return doc ? [doc] : [];
  });
}

/** Embeds the batch; see the file comment. Returns what happened to each message. */
export async function embedMessages(
  ctx: RuntimeContext,
  events: readonly MessageEvent[],
): Promise<EmbedSummary> {
  const summary: EmbedSummary = { embedded: [], removed: [], skipped: [] };
  if (ctx.tenantView.config.storage.vectors === 'none') {
    for (const e of events) summary.skipped.push({ urn: e.payload.urn, reason: 'tenant stores no vectors' });
    return summary;
  }
  const live: Array<{ id: string; text: string; metadata: VectorRecord['metadata'] }> = [];
  for (const doc of await mergedDocuments(ctx, events)) {
    const source = messageVectorSource(doc);
    if (source.skip === undefined) live.push(source);
    else if (source.skip === 'deleted') summary.removed.push(source.id);
    else {
      // An edit can empty a message (only attachments left): its old vector must go too.
      summary.removed.push(source.id);
      summary.skipped.push({ urn: source.id, reason: source.skip });
    }
  }
  if (live.length > 0) {
    const answer = await ctx.effects.models.embed(live.map((l) => l.text));
    const records: VectorRecord[] = live.map((l, i) => ({
      id: l.id,
      embedding: answer.vectors[i] ?? [],
      document: l.text,
      metadata: l.metadata,
    }));
    await ctx.effects.vectors.upsert('messages', records, {
      model: answer.model,
      dimension: answer.dimension,
    });
    summary.embedded.push(...records.map((r) => r.id));
  }
  if (summary.removed.length > 0) await ctx.effects.vectors.delete('messages', summary.removed);
  return summary;
}
