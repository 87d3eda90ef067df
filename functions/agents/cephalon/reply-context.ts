/**
 * The context a reply is written with: the nearest messages by embedding (same tenant — the vector
 * port is tenant-scoped — and by default the same channel) and the channel's most recent messages.
 */
import type { ModelRef } from '@promethean/schemas/envelope';
import { modelRefOf } from '@promethean/shared/agent/model-ref';
import type { RuntimeContext } from '@promethean/shared/agent/runtime-context';
import { modelMatchedQuery } from '@promethean/shared/effects/model-matched-query';
import { retrievalFilter } from '@promethean/shared/platform/retrieval-scope';
import { messageView } from '../message-indexer/message-document.ts';
import type { CephalonSettings } from './cephalon-settings.ts';

export interface ContextLine {
  urn: string;
  author: string;
  at: string;
  text: string;
}

export interface ReplyContext {
  recent: ContextLine[];
  retrieved: ContextLine[];
  /** The embedding model used for retrieval (it ran even when nothing was found). */
  embedModel: ModelRef;
}

export interface ContextQuery {
  question: string;
  channelId: string;
  /** The guild the question came from; undefined in a direct message. */
  spaceId?: string | undefined;
  /** The message being answered, left out of its own context. */
  excludeUrn?: string | undefined;
}

const LINE_CHARS = 500;

function clip(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= LINE_CHARS ? flat : `${flat.slice(0, LINE_CHARS - 1)}…`;
}

async function recentMessages(ctx: RuntimeContext, q: ContextQuery, limit: number): Promise<ContextLine[]> {
  if (limit === 0) return [];
  const docs = await ctx.effects.documents.find(
    'messages',
    { channel_id: q.channelId },
    { limit: limit + 1 },
  );
  return docs
    .map(messageView)
    .filter((v) => v.urn !== q.excludeUrn && !v.deleted && (v.content ?? '').trim() !== '')
    .slice(0, limit)
    .reverse() // oldest first, as a conversation reads
    .map((v) => ({
      urn: v.urn,
      author: v.author?.name ?? v.author?.foreign_id ?? 'someone',
      at: v.edited_at ?? v.created_at ?? '',
      text: clip(v.content ?? ''),
    }));
}

async function retrieved(
  ctx: RuntimeContext,
  q: ContextQuery,
  s: CephalonSettings,
): Promise<{ lines: ContextLine[]; embedModel: ModelRef }> {
  const answer = await ctx.effects.models.embed([q.question]);
  const embedModel: ModelRef = modelRefOf('embed', answer);
  if (s.reply_context_k === 0) return { lines: [], embedModel };
  const where = retrievalFilter(s.retrieval_scope, { channelId: q.channelId, spaceId: q.spaceId });
  const found = await modelMatchedQuery(
    ctx.effects.vectors,
    'messages',
    { vector: answer.vectors[0] ?? [], spec: { model: answer.model, dimension: answer.dimension } },
    s.reply_context_k + 1,
    where,
  );
  if (found.kind === 'model-mismatch') {
    // Distances across models mean nothing: answer without retrieval rather than with noise.
    ctx.telemetry.warn('retrieval skipped: message vectors use another embedding model', {
      pinned: `${found.pinned.model}/${found.pinned.dimension}`,
      current: `${answer.model}/${answer.dimension}`,
    });
    return { lines: [], embedModel };
  }
  const matches = found.kind === 'matches' ? found.matches : [];
  const lines = matches
    .filter((m) => m.id !== q.excludeUrn)
    .slice(0, s.reply_context_k)
    .map((m) => ({
      urn: m.id,
      author: String(m.metadata.author_id ?? 'someone'),
      at: String(m.metadata.edited_at ?? m.metadata.created_at ?? ''),
      text: clip(m.document),
    }));
  return { lines, embedModel };
}

/** Gathers both kinds of context; a retrieved line already among the recent ones is not repeated. */
export async function gatherContext(
  ctx: RuntimeContext,
  q: ContextQuery,
  s: CephalonSettings,
): Promise<ReplyContext> {
  const [recent, found] = await Promise.all([
    recentMessages(ctx, q, s.reply_recent_messages),
    retrieved(ctx, q, s),
  ]);
  const seen = new Set(recent.map((l) => l.urn));
  return { recent, retrieved: found.lines.filter((l) => !seen.has(l.urn)), embedModel: found.embedModel };
}
