/**
 * 0002: every document collection and slot log gets the indexes its contract declares. One `createIndex`
 * per index (FerretDB v1.24 panics on `createIndexes` with several existing ones), only for missing ones.
 */
import { dataContracts } from '../contracts/contract-catalog.ts';
import type { IndexSpec } from '../contracts/data-contract.ts';
import type { MigrationStep } from '../migration-step.ts';

export const step0002ContractIndexes: MigrationStep = {
  version: 2,
  name: 'contract_indexes',
  description: 'create the indexes the document contracts declare where they are missing',
  async up(ctx) {
    const existing = new Set(
      (await ctx.db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name),
    );
    const work: Array<{ collection: string; spec: IndexSpec }> = [];
    for (const contract of dataContracts().values()) {
      if (contract.kind !== 'document-collection' || !existing.has(contract.collection)) continue;
      for (const spec of contract.mongodb.indexes) work.push({ collection: contract.collection, spec });
      for (const spec of contract.mongodb.slot_log_indexes)
        work.push({ collection: `${contract.collection}.slots`, spec });
    }
    let changed = 0;
    const notes: string[] = [];
    for (const [i, { collection, spec }] of work.entries()) {
      const col = ctx.db.collection(collection);
      const names = new Set((await col.indexes().catch(() => [])).map((ix) => ix.name));
      if (!names.has(spec.name)) {
        await col.createIndex(Object.fromEntries(spec.keys), { name: spec.name, unique: spec.unique });
        notes.push(`created ${collection}.${spec.name}`);
        changed++;
      }
      ctx.progress(i + 1, work.length);
    }
    return { changed, notes };
  },
};
