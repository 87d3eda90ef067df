/**
 * Tails a document store's change log from a cursor: reads entries after it, coalesces them to one apply
 * per document (a document changed ten times is copied once, in its newest state), applies, and answers
 * the new cursor. The caller persists the cursor only after `apply` returned, so a crash repeats a batch
 * (the applies are merges: a repeat changes nothing) and never skips one.
 */
import { CHANGES_MAX, type DocumentChangeLog } from '../../effects/document-change-log.ts';
import type { DocumentCollection } from '../../effects/document-store.ts';

export interface TailBatch {
  /** The cursor after this batch (the last entry's sequence), or the input cursor when there was none. */
  cursor: number;
  /** Entries read. */
  entries: number;
  /** Documents applied after coalescing. */
  applied: number;
}

export type ApplyChanges = (collection: DocumentCollection, foreignIds: string[]) => Promise<void>;

export async function tailOnce(
  log: Pick<DocumentChangeLog, 'changesAfter'>,
  cursor: number,
  apply: ApplyChanges,
  limit = CHANGES_MAX,
): Promise<TailBatch> {
  const entries = await log.changesAfter(cursor, limit);
  if (entries.length === 0) return { cursor, entries: 0, applied: 0 };
  const byCollection = new Map<DocumentCollection, Set<string>>();
  for (const e of entries) {
    let ids = byCollection.get(e.collection);
    if (!ids) {
      ids = new Set();
      byCollection.set(e.collection, ids);
    }
    ids.add(e.foreign_id);
  }
  let applied = 0;
  for (const [collection, ids] of byCollection) {
    await apply(collection, [...ids]);
    applied += ids.size;
  }
  return { cursor: entries[entries.length - 1]!.seq, entries: entries.length, applied };
}
