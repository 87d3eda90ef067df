/**
 * A backfill's read of one collection's slot log, page by page, as documents folded from their records.
 *
 * Why a cursor kept open between pages rather than one query per page: FerretDB v1.24 on SQLite answers
 * every query by scanning the whole collection (it creates its `_id_` index on `_ferretdb_sjson->"_id"`
 * but filters on `_ferretdb_sjson->'$._id'`, so SQLite never uses it, not even for `_id` equality), so a
 * query per page made a backfill O(N²). One sorted query per scan costs one pass; each later page is a
 * `getMore` of its own size. On MongoDB the same query walks the slot index `{provider, tenant,
 * foreign_id}`, so nothing changes there but the number of queries.
 *
 * Pages follow `foreign_id` order (the slot log's own index), so a page's cursor is `f:<last foreign id>`;
 * a cursor without the prefix (handed out before this format) restarts the scan, which only repeats
 * idempotent upserts. An open scan is a snapshot on FerretDB and live on MongoDB; either is enough for a
 * store move, whose CDC tail copies every change made after the backfill's start head.
 */
import type { Collection, FindCursor, MongoClient } from 'mongodb';
import type { ScanPage } from './document-change-log.ts';
import type { DocumentScope } from './document-validation.ts';
import { foldSlotRecords, type SlotRecord } from './mongo-slot-log.ts';

const CURSOR_PREFIX = 'f:';
/** Slot records per `getMore`: a page of 500 documents holds a few records each. */
const BATCH_SIZE = 2_000;

interface OpenScan {
  /** The page cursor this scan continues from. */
  position: string;
  cursor: FindCursor<SlotRecord>;
  /** The first record of the next page's first document, already read. */
  carry: SlotRecord | undefined;
}

/** Open scans per client (a Durable Object keeps its client warm, so a move's pages find theirs). */
const openScans = new WeakMap<MongoClient, Map<string, OpenScan>>();

function scansOf(client: MongoClient): Map<string, OpenScan> {
  let scans = openScans.get(client);
  if (!scans) {
    scans = new Map();
    openScans.set(client, scans);
  }
  return scans;
}

/** Reads the page after `after` (a cursor from an earlier page, or null for the first) of `slots`. */
export async function scanSlotPage(
  client: MongoClient,
  slots: Collection<SlotRecord>,
  scope: DocumentScope,
  after: string | null,
  limit: number,
): Promise<ScanPage> {
  const scans = scansOf(client);
  const key = `${slots.dbName}.${slots.collectionName}`;
  const held = scans.get(key);
  // Taken out while in use: a concurrent call with the same cursor (a redelivered step) opens its own.
  scans.delete(key);
  if (held && after !== null && held.position === after) {
    try {
      return await readPage(scans, key, held, limit);
    } catch {
      // The server dropped the cursor (idle timeout, restart): the page is read again from a new one.
      await held.cursor.close().catch(() => undefined);
    }
  } else if (held) {
    await held.cursor.close().catch(() => undefined);
  }
  const from = after?.startsWith(CURSOR_PREFIX) ? after.slice(CURSOR_PREFIX.length) : null;
  const cursor = slots
    .find({ ...scope, ...(from !== null && { foreign_id: { $gt: from } }) })
    .sort({ foreign_id: 1 })
    .batchSize(BATCH_SIZE);
  return readPage(scans, key, { position: after ?? '', cursor, carry: undefined }, limit);
}

async function readPage(
  scans: Map<string, OpenScan>,
  key: string,
  scan: OpenScan,
  limit: number,
): Promise<ScanPage> {
  const groups: SlotRecord[][] = [];
  let carry = scan.carry;
  let next: SlotRecord | null = carry ?? (await scan.cursor.next());
  while (next !== null) {
    const group = groups[groups.length - 1];
    if (group && group[0]!.foreign_id === next.foreign_id) group.push(next);
    else if (groups.length === limit) {
      carry = next;
      break;
    } else groups.push([next]);
    next = await scan.cursor.next();
  }
  const documents = groups.flatMap((records) => foldSlotRecords(records).doc ?? []);
  if (next === null) {
    await scan.cursor.close().catch(() => undefined);
    return { documents, next: null };
  }
  const position = `${CURSOR_PREFIX}${groups[groups.length - 1]![0]!.foreign_id}`;
  const previous = scans.get(key);
  if (previous) await previous.cursor.close().catch(() => undefined);
  scans.set(key, { position, cursor: scan.cursor, carry });
  return { documents, next: position };
}
