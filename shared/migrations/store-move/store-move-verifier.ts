/**
 * A store move's verification: every document of both stores hashed (`[id, canonical document]`), compared
 * by range digests bisected down to the ids that differ (`range-checksums.ts`), so the work after the scans
 * grows with the drift, not the size. Ids that differ are read again from both stores before they count as
 * differing: writers keep writing during a move, and a document written between the two scans is not drift.
 * What remains is what the report (and `documents_verified`) stands on. With `repair`, each of those is
 * then made in the new store exactly what it is in the old one (the move's source): put when the old store
 * has it, removed when it does not (`DocumentChangeLog.restore`), and compared once more.
 */
import type { DocumentCollection, StoredDocument } from '../../effects/document-store.ts';
import { GET_MANY_MAX } from '../../effects/document-store.ts';
import { canonicalJson } from '../../effects/mongo-document-codec.ts';
import { bisectDifferences, hashText, RangeDigests, type RecordHash } from '../integrity/range-checksums.ts';
import type { StoreWithLog } from './store-move-migration.ts';

/** How many differing ids a report names (the counts are always whole). */
export const VERIFY_NAMED_MAX = 50;
const SCAN_PAGE = 1_000;

export interface StoreMoveVerification {
  /** Documents in either store. */
  documents: number;
  /** Documents present in both stores and equal (the "documents verified" figure). */
  verified: number;
  /** Documents that differ, or are in one store only, after a second read. */
  differing: number;
  /** Up to `VERIFY_NAMED_MAX` of them, as `<collection>:<foreign id>`. */
  differing_ids: string[];
  /** Range digests compared while bisecting (0 differing → one per collection). */
  ranges_compared: number;
  /** With `repair`: differing documents the new store was made equal on (compared again after). */
  repaired?: number;
  at: string;
}

function documentHash(doc: StoredDocument): RecordHash {
  return hashText(canonicalJson([doc.foreign_id, doc]));
}

async function hashesOf(
  store: StoreWithLog,
  collection: DocumentCollection,
): Promise<Map<string, RecordHash>> {
  const hashes = new Map<string, RecordHash>();
  let cursor: string | null = null;
  do {
    const page = await store.scanPage(collection, cursor, SCAN_PAGE);
    for (const doc of page.documents) hashes.set(doc.foreign_id, documentHash(doc));
    cursor = page.next;
  } while (cursor !== null);
  return hashes;
}

async function stillDiffering(
  a: StoreWithLog,
  b: StoreWithLog,
  collection: DocumentCollection,
  ids: readonly string[],
): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < ids.length; i += GET_MANY_MAX) {
    const part = ids.slice(i, i + GET_MANY_MAX);
    const [left, right] = await Promise.all([a.getMany(collection, part), b.getMany(collection, part)]);
    const l = new Map(left.map((d) => [d.foreign_id, canonicalJson(d)]));
    const r = new Map(right.map((d) => [d.foreign_id, canonicalJson(d)]));
    // Gone from both (a repair removed an orphan) is equal, not drift.
    for (const id of part) if (l.get(id) !== r.get(id)) out.push(id);
  }
  return out;
}

/** Makes `ids` in `to` what they are in `from`: the document as it is there, or gone. */
async function restoreFrom(
  from: StoreWithLog,
  to: StoreWithLog,
  collection: DocumentCollection,
  ids: readonly string[],
): Promise<void> {
  for (let i = 0; i < ids.length; i += GET_MANY_MAX) {
    const part = ids.slice(i, i + GET_MANY_MAX);
    const source = await from.getMany(collection, part);
    const held = new Set(source.map((d) => d.foreign_id));
    const first = source[0] ?? (await to.getMany(collection, part))[0];
    if (!first) continue;
    const scope = { provider: first.provider, tenant: first.tenant };
    await to.restore!(
      collection,
      scope,
      source,
      part.filter((id) => !held.has(id)),
    );
  }
}

/** Compares `collections` of the two stores document by document. */
export async function verifyStoreMove(
  from: StoreWithLog,
  to: StoreWithLog,
  collections: readonly DocumentCollection[],
  now: () => Date = () => new Date(),
  options: { repair?: boolean } = {},
): Promise<StoreMoveVerification> {
  if (options.repair && !to.restore) throw new Error('the new store cannot restore documents: no repair');
  let repaired = 0;
  let documents = 0;
  let rangesCompared = 0;
  const differing: string[] = [];
  for (const collection of collections) {
    const [left, right] = await Promise.all([hashesOf(from, collection), hashesOf(to, collection)]);
    const ids = [...new Set([...left.keys(), ...right.keys()])].sort();
    documents += ids.length;
    const found = bisectDifferences(ids, new RangeDigests(ids, left), new RangeDigests(ids, right));
    rangesCompared += found.ranges_compared;
    const confirmed = await stillDiffering(from, to, collection, found.differing);
    differing.push(...confirmed.map((id) => `${collection}:${id}`));
    if (options.repair && confirmed.length > 0) {
      await restoreFrom(from, to, collection, confirmed);
      repaired += confirmed.length - (await stillDiffering(from, to, collection, confirmed)).length;
    }
  }
  return {
    documents,
    verified: documents - differing.length,
    differing: differing.length,
    differing_ids: differing.slice(0, VERIFY_NAMED_MAX),
    ranges_compared: rangesCompared,
    ...(options.repair && { repaired }),
    at: now().toISOString(),
  };
}
