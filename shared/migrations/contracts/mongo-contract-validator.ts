/**
 * Validates a tenant's MongoDB database against the document contracts: each collection's indexes (records
 * and slot log) by name, keys and uniqueness, and its records (decoded as every reader decodes them) against
 * the record schema, slot schemas and invariants.
 */
import type { Db } from 'mongodb';
import { fromMongoRecord, type MongoDocumentRecord } from '../../effects/mongo-document-codec.ts';
import type { ContractDiffEntry, DocumentCollectionContract, IndexSpec } from './data-contract.ts';
import { documentDiffs } from './document-invariants.ts';

interface MongoIndexInfo {
  name: string;
  key: Record<string, number>;
  unique?: boolean;
}

function indexOf(info: MongoIndexInfo): IndexSpec {
  return {
    name: info.name,
    keys: Object.entries(info.key).map(([k, v]) => [k, v === -1 ? -1 : 1] as [string, 1 | -1]),
    unique: info.unique === true,
  };
}

function indexDiffs(
  contract: DocumentCollectionContract,
  location: string,
  declared: readonly IndexSpec[],
  actual: readonly MongoIndexInfo[],
): ContractDiffEntry[] {
  const diffs: ContractDiffEntry[] = [];
  const byName = new Map(actual.filter((i) => i.name !== '_id_').map((i) => [i.name, indexOf(i)]));
  for (const spec of declared) {
    const found = byName.get(spec.name);
    if (!found || JSON.stringify(found) !== JSON.stringify(spec)) {
      diffs.push({
        store: 'mongodb',
        contract: contract.contract,
        location,
        aspect: `index:${spec.name}`,
        declared: spec,
        actual: found ?? 'missing',
      });
    }
  }
  return diffs;
}

export interface MongoValidationOptions {
  /** How many records per collection to check (all when absent). */
  sampleLimit?: number;
}

/** Actual vs declared for every contract whose collection exists in `db` (an absent one has nothing to check). */
export async function validateMongoDatabase(
  db: Db,
  contracts: readonly DocumentCollectionContract[],
  options: MongoValidationOptions = {},
): Promise<ContractDiffEntry[]> {
  const existing = new Set((await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name));
  const diffs: ContractDiffEntry[] = [];
  for (const contract of contracts) {
    const name = contract.collection;
    if (!existing.has(name)) continue;
    const location = `${db.databaseName}.${name}`;
    const records = db.collection<MongoDocumentRecord>(name);
    diffs.push(
      ...indexDiffs(
        contract,
        location,
        contract.mongodb.indexes,
        (await records.indexes()) as MongoIndexInfo[],
      ),
    );
    if (existing.has(`${name}.slots`)) {
      const slotIndexes = (await db.collection(`${name}.slots`).indexes()) as MongoIndexInfo[];
      diffs.push(
        ...indexDiffs(contract, `${location}.slots`, contract.mongodb.slot_log_indexes, slotIndexes),
      );
    }
    const cursor = records.find(
      {},
      { sort: { _id: 1 }, ...(options.sampleLimit && { limit: options.sampleLimit }) },
    );
    const docs: unknown[] = [];
    for await (const record of cursor) {
      try {
        docs.push(fromMongoRecord(record));
      } catch {
        // Undecodable slots_json: the record schema check reports it with the record's id.
        docs.push({ foreign_id: record.foreign_id, slots: 'undecodable slots_json' });
      }
    }
    diffs.push(...documentDiffs('mongodb', contract, location, docs));
  }
  return diffs;
}
