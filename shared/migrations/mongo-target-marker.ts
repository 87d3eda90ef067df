/**
 * Target markers in MongoDB: collection `promethean_meta`, record `{_id: "target", target}` in every
 * database the project creates (tenant databases, and the server-wide `promethean_meta` database that the
 * test servers are stamped in). Written once with an insert, so a marker is never silently changed.
 */
import type { Db, MongoClient } from 'mongodb';
import { DataTarget, type ObservedMarker } from './target-marker.ts';

export const MARKER_COLLECTION = 'promethean_meta';
/** The server-wide marker's database: a server the tests start is stamped `test` here. */
export const SERVER_MARKER_DATABASE = 'promethean_meta';

interface MarkerRecord {
  _id: string;
  target: string;
  marked_at: string;
}

const DUPLICATE_KEY = 11000;

/** Writes the marker unless one exists (then the existing one stands); answers the marker the db carries. */
export async function ensureMongoMarker(db: Db, target: DataTarget): Promise<ObservedMarker> {
  try {
    await db
      .collection<MarkerRecord>(MARKER_COLLECTION)
      .insertOne({ _id: 'target', target, marked_at: new Date().toISOString() });
    return target;
  } catch (error) {
    if ((error as { code?: unknown }).code !== DUPLICATE_KEY) throw error;
    return readMongoMarker(db);
  }
}

/** The marker a database carries; `unmarked` when none (or not a valid target). */
export async function readMongoMarker(db: Db): Promise<ObservedMarker> {
  const record = await db.collection<MarkerRecord>(MARKER_COLLECTION).findOne({ _id: 'target' });
  const parsed = DataTarget.safeParse(record?.target);
  return parsed.success ? parsed.data : 'unmarked';
}

/** The server-wide marker (what the test setup checks before any test touches a MONGODB_URI). */
export async function readServerMarker(client: MongoClient): Promise<ObservedMarker> {
  return readMongoMarker(client.db(SERVER_MARKER_DATABASE));
}

/** Overwrites a marker: only the migration runner's stamping step and test fixtures call this. */
export async function setMongoMarker(db: Db, target: DataTarget): Promise<void> {
  await db
    .collection<MarkerRecord>(MARKER_COLLECTION)
    .replaceOne({ _id: 'target' }, { target, marked_at: new Date().toISOString() }, { upsert: true });
}
