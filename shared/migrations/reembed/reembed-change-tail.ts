/**
 * A re-embed's catch-up from the document store's change log: each message that changed after the
 * backfill's starting point is brought into the new collection in its current state. Only a changed text
 * costs an embedding call; a metadata-only change keeps the stored vector; a deleted (or now empty)
 * message loses its vector. Records are written through the collection's vector store (packed vectors):
 * those the collection held are deleted first, because Chroma merges metadata on upsert (a stale key would
 * survive), so the upsert skips the store's own stale-key read. An id is written once per batch, so
 * nothing is doubled.
 */
import type { Collection } from 'chromadb';
import type { DocumentChangeLog } from '../../effects/document-change-log.ts';
import { type DocumentStore, GET_MANY_MAX } from '../../effects/document-store.ts';
import type { EmbeddingSpec, VectorRecord } from '../../effects/effect-ports.ts';
import { tailOnce } from '../cdc/change-tailer.ts';
import { recordHash } from '../integrity/range-checksums.ts';
import type { Embedder, VectorSourceOf } from '../integrity/vector-source.ts';

/** What the change-log catch-up did, summed over a migration's tails. */
export interface ReembedTailCounts {
  /** The last log entry applied (the tail resumes after it). */
  cursor: number;
  entries: number;
  reembedded: number;
  metadata_only: number;
  deleted: number;
  unchanged: number;
  /**
   * Message documents the tail looked at (coalesced per batch). Entries of other collections (the
   * migration's own state saves among them) move the cursor without adding here. Absent in states saved
   * before it was counted.
   */
  messages?: number;
}

export interface ReembedTailInput {
  log: Pick<DocumentChangeLog, 'changesAfter'>;
  documents: DocumentStore;
  /** The collection the tail reads (what each record holds now). */
  collection: Collection;
  /** Where it writes: that collection's vector store; `upsert` gets ids just deleted. */
  vectors: {
    delete(ids: readonly string[]): Promise<void>;
    upsert(records: readonly VectorRecord[]): Promise<void>;
  };
  spec: EmbeddingSpec;
  embed: Embedder;
  sourceOf: VectorSourceOf;
}

type Applied = Omit<ReembedTailCounts, 'cursor' | 'entries'>;

async function applyMessages(input: ReembedTailInput, foreignIds: readonly string[]): Promise<Applied> {
  const out: Applied = { reembedded: 0, metadata_only: 0, deleted: 0, unchanged: 0 };
  for (let i = 0; i < foreignIds.length; i += GET_MANY_MAX) {
    const docs = await input.documents.getMany('messages', foreignIds.slice(i, i + GET_MANY_MAX));
    const sources = docs.map(input.sourceOf);
    const gone = sources.filter((s) => s.skip !== undefined).map((s) => s.id);
    const live = sources.flatMap((s) => (s.skip === undefined ? [s] : []));
    if (gone.length > 0) {
      const present = await input.collection.get({ ids: gone, include: [] });
      await input.vectors.delete(present.ids);
      out.deleted += present.ids.length;
    }
    if (live.length === 0) continue;
    const stored = await input.collection.get({
      ids: live.map((s) => s.id),
      include: ['documents', 'metadatas', 'embeddings'],
    });
    const byId = new Map(
      stored.ids.map((id, k) => [
        id,
        {
          text: stored.documents[k] ?? '',
          metadata: (stored.metadatas[k] ?? {}) as Record<string, unknown>,
          embedding: stored.embeddings[k] ?? [],
        },
      ]),
    );
    const hash = (id: string, text: string, metadata: Record<string, unknown>) =>
      recordHash({ id, text, metadata, ...input.spec }).join(':');
    const unchanged = live.filter((s) => {
      const had = byId.get(s.id);
      return had !== undefined && hash(s.id, had.text, had.metadata) === hash(s.id, s.text, s.metadata);
    });
    const keep = new Set(unchanged.map((s) => s.id));
    const metadataOnly = live.filter((s) => !keep.has(s.id) && byId.get(s.id)?.text === s.text);
    const reembed = live.filter((s) => !keep.has(s.id) && byId.get(s.id)?.text !== s.text);
    const vectors = new Map(metadataOnly.map((s) => [s.id, byId.get(s.id)!.embedding]));
    if (reembed.length > 0) {
      const answer = await input.embed(reembed.map((s) => s.text));
      if (answer.model !== input.spec.model || answer.dimension !== input.spec.dimension) {
        throw new Error(
          `the embedder answered ${answer.model}/${answer.dimension} but the new collection is pinned to ${input.spec.model}/${input.spec.dimension}`,
        );
      }
      for (const [k, s] of reembed.entries()) vectors.set(s.id, answer.vectors[k]!);
    }
    const write = [...metadataOnly, ...reembed];
    if (write.length > 0) {
      // Only records the collection holds can carry a stale key; a Chroma delete is a write even for
      // absent ids, and most of a catch-up's ids (messages new since the backfill began) are absent. A dual
      // write landing between the read above and this write is merged into this record; one landing
      // between a delete and the write had the same window before. The integrity report covers both.
      const held = write.filter((s) => byId.has(s.id)).map((s) => s.id);
      if (held.length > 0) await input.vectors.delete(held);
      await input.vectors.upsert(
        write.map((s) => ({
          id: s.id,
          embedding: vectors.get(s.id)!,
          document: s.text,
          metadata: s.metadata,
        })),
      );
    }
    out.unchanged += unchanged.length;
    out.metadata_only += metadataOnly.length;
    out.reembedded += reembed.length;
  }
  return out;
}

/**
 * One batch of the log after `counts.cursor` (other collections' entries are passed over); answers the
 * counts after it, the same object when the log had nothing new.
 */
export async function tailReembed(
  input: ReembedTailInput,
  counts: ReembedTailCounts,
): Promise<ReembedTailCounts> {
  let applied: Applied = { reembedded: 0, metadata_only: 0, deleted: 0, unchanged: 0 };
  let messages = 0;
  const batch = await tailOnce(input.log, counts.cursor, async (collection, ids) => {
    if (collection !== 'messages') return;
    messages = ids.length;
    applied = await applyMessages(input, ids);
  });
  if (batch.entries === 0) return counts;
  return {
    cursor: batch.cursor,
    entries: counts.entries + batch.entries,
    reembedded: counts.reembedded + applied.reembedded,
    metadata_only: counts.metadata_only + applied.metadata_only,
    deleted: counts.deleted + applied.deleted,
    unchanged: counts.unchanged + applied.unchanged,
    messages: (counts.messages ?? 0) + messages,
  };
}
