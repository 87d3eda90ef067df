/**
 * The per-tenant change log both document stores keep beside their documents: one entry per changed
 * document, with a sequence number that only grows and becomes visible in order, written with the change
 * (SQLite: the same transaction; MongoDB: after the slot log insert that is the change, before the record
 * that caches it). A tailer that remembers the last sequence it applied never misses a change; an entry may
 * repeat a change (a redelivery after a crash), which a tailer copying the current document absorbs.
 */
import type { DocumentCollection, StoredDocument } from './document-store.ts';

export interface DocumentChange {
  seq: number;
  collection: DocumentCollection;
  foreign_id: string;
}

/** The most entries one `changesAfter` call returns. */
export const CHANGES_MAX = 1_000;

/** What a migration needs from a store beyond the DocumentStore port. */
export interface DocumentChangeLog {
  /** The sequence of the newest entry (0 when the log is empty): a backfill starts its CDC from here. */
  changeHead(): Promise<number>;
  /** Entries with `seq > after`, oldest first, at most `limit` (≤ `CHANGES_MAX`). */
  changesAfter(after: number, limit: number): Promise<DocumentChange[]>;
  /** Documents of `collection` sorted by foreign id ascending after `after` (a backfill page; deleted included). */
  scanPage(collection: DocumentCollection, after: string | null, limit: number): Promise<ScanPage>;
  /** Removes every document of `collection` (a store move's decommission of the old store). */
  purge(collection: DocumentCollection): Promise<number>;
  /**
   * A repair, not a write path: puts `docs` exactly as given (whatever the store held for them, slots with
   * higher versions included, is replaced, not merged) and removes the documents `remove` names outright
   * (no tombstone), each with its change-log entry. A store move's verifier uses it to make the new store
   * equal to the old one where they differ. Writers should be quiet: a write racing it may be replaced.
   * Answers the documents put or removed.
   */
  restore?(
    collection: DocumentCollection,
    scope: { provider: string; tenant: string },
    docs: readonly StoredDocument[],
    remove: readonly string[],
  ): Promise<number>;
}

export interface ScanPage {
  documents: StoredDocument[];
  /** The cursor for the next page; null when this was the last. */
  next: string | null;
}

export function hasChangeLog(store: object): store is DocumentChangeLog {
  const s = store as Partial<DocumentChangeLog>;
  return typeof s.changeHead === 'function' && typeof s.changesAfter === 'function';
}
