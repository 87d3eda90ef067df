/**
 * The slot log behind the MongoDB adapter: every slot version ever delivered is one immutable record in
 * `<collection>.slots`, whose `_id` is derived from (provider, tenant, foreign_id, slot, version). A
 * document is the merge of its records in arrival order — the same `mergeDocument` fold every adapter
 * uses — so two writers never overwrite each other: each only inserts, and an insert is atomic on MongoDB
 * and on FerretDB alike (the `_id` is unique). A redelivered slot is a duplicate `_id`: it changes nothing.
 */
import { mergeDocument, type StoredDocument } from './document-store.ts';

/** One delivered slot version (or, for a document delivered without slots, its presence). */
export interface SlotRecord {
  _id: string;
  provider: string;
  tenant: string;
  foreign_id: string;
  /** Empty for a presence record (a document delivered with no slots). */
  slot: string;
  version: string;
  value_json: string;
  urn: string;
  index: Record<string, string>;
  /** Arrival order: the writer's clock, then the position in its batch (ties broken by `_id`). */
  arrived_at: number;
  position: number;
}

/** The record id: unique per document, slot and version, so the same delivery can only be stored once. */
export function slotRecordId(
  doc: Pick<StoredDocument, 'provider' | 'tenant' | 'foreign_id'>,
  slot: string,
  version: string,
): string {
  return JSON.stringify([doc.provider, doc.tenant, doc.foreign_id, slot, version]);
}

/** The records that deliver `doc`; `position` orders them inside one batch. */
export function slotRecordsOf(doc: StoredDocument, arrivedAt: number, position: number): SlotRecord[] {
  const base = {
    provider: doc.provider,
    tenant: doc.tenant,
    foreign_id: doc.foreign_id,
    urn: doc.urn,
    index: { ...doc.index },
    arrived_at: arrivedAt,
    position,
  };
  const slots = Object.entries(doc.slots);
  if (slots.length === 0)
    return [{ ...base, _id: slotRecordId(doc, '', ''), slot: '', version: '', value_json: 'null' }];
  return slots.map(([slot, { version, value }]) => ({
    ...base,
    _id: slotRecordId(doc, slot, version),
    slot,
    version,
    value_json: JSON.stringify(value),
  }));
}

function byArrival(a: SlotRecord, b: SlotRecord): number {
  return (
    a.arrived_at - b.arrived_at || a.position - b.position || (a._id < b._id ? -1 : a._id > b._id ? 1 : 0)
  );
}

/**
 * Merges one document's records in arrival order. Returns the document and the ids of the records that
 * changed it when they were applied (a record that lost to a newer version changed nothing).
 */
export function foldSlotRecords(records: readonly SlotRecord[]): {
  doc: StoredDocument | undefined;
  changed: Set<string>;
} {
  let doc: StoredDocument | undefined;
  const changed = new Set<string>();
  for (const record of [...records].sort(byArrival)) {
    const incoming: StoredDocument = {
      provider: record.provider,
      tenant: record.tenant,
      foreign_id: record.foreign_id,
      urn: record.urn,
      index: record.index,
      slots: record.slot
        ? { [record.slot]: { version: record.version, value: JSON.parse(record.value_json) as unknown } }
        : {},
    };
    const merged = mergeDocument(doc, incoming);
    if (merged.changed) changed.add(record._id);
    doc = merged.doc;
  }
  return { doc, changed };
}
