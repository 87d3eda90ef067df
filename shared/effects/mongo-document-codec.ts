/**
 * How a StoredDocument is laid out in MongoDB: which database a tenant gets, and the shape of the document
 * record that `get`, `find` and `count` read (queried fields native, slot values as JSON text).
 */
import { documentSortKey, type StoredDocument } from './document-store.ts';

/**
 * One document as MongoDB (or FerretDB) stores it in `messages`, `attachments` or `jobs`: the merge of
 * its slot records (see `mongo-slot-log.ts`).
 *
 * Slots are JSON text, not BSON: provider payloads and slot names can hold keys with `.` or a leading `$`
 * and nested arrays (backfill slots are named `request.000001`), which FerretDB v1 refuses outright, and
 * JSON text also keeps values exactly as the SQLite adapter does. Fields that queries use (`index.*`,
 * `sort_key`, `deleted`) are native, so the database indexes and filters them.
 */
export interface MongoDocumentRecord {
  /** `mongoDocumentId(...)`: deterministic, so writes address a document by `_id`. */
  _id: string;
  provider: string;
  tenant: string;
  foreign_id: string;
  urn: string;
  /** `documentSortKey(foreign_id)`: byte order is snowflake order, so `find` sorts in the database. */
  sort_key: string;
  index: Record<string, string>;
  slots_json: string;
  deleted: boolean;
}

/** MongoDB and FerretDB both refuse database names of 64 characters or more. */
const MAX_DATABASE_NAME = 63;

/** 32-bit FNV-1a, hex: short, stable and synchronous (crypto.subtle is async). */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, '0');
}

/**
 * `promethean_<provider>_<tenant>`; names past 63 characters are cut and end in a hash of the full name.
 * Two tenants may share a name (`a_b`+`c` and `a`+`b_c`): harmless, because every record and every query
 * also carries provider and tenant.
 */
export function mongoDatabaseName(provider: string, tenant: string): string {
  const name = `promethean_${provider}_${tenant}`;
  if (name.length <= MAX_DATABASE_NAME) return name;
  return `${name.slice(0, MAX_DATABASE_NAME - 9)}_${fnv1a(name)}`;
}

/** JSON with object keys sorted, so equal documents compare equal whatever order their slots arrived in. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

/** A document record's `_id`. */
export function mongoDocumentId(doc: Pick<StoredDocument, 'provider' | 'tenant' | 'foreign_id'>): string {
  return JSON.stringify([doc.provider, doc.tenant, doc.foreign_id]);
}

/** The record for `doc`. */
export function toMongoRecord(doc: StoredDocument): MongoDocumentRecord {
  return {
    _id: mongoDocumentId(doc),
    provider: doc.provider,
    tenant: doc.tenant,
    foreign_id: doc.foreign_id,
    urn: doc.urn,
    sort_key: documentSortKey(doc.foreign_id),
    index: { ...doc.index },
    slots_json: JSON.stringify(doc.slots),
    deleted: doc.slots.deleted !== undefined,
  };
}

/** The StoredDocument a record holds (`_id` may be projected away). */
export function fromMongoRecord(record: Omit<MongoDocumentRecord, '_id'>): StoredDocument {
  return {
    provider: record.provider,
    tenant: record.tenant,
    foreign_id: record.foreign_id,
    urn: record.urn,
    index: { ...record.index },
    slots: JSON.parse(record.slots_json) as StoredDocument['slots'],
  };
}

/** Whether a stored record already holds exactly `doc` (then no write is needed). */
export function recordHolds(record: MongoDocumentRecord | undefined, doc: StoredDocument): boolean {
  if (!record) return false;
  return (
    record.urn === doc.urn &&
    canonicalJson(record.index) === canonicalJson(doc.index) &&
    canonicalJson(JSON.parse(record.slots_json)) === canonicalJson(doc.slots)
  );
}
