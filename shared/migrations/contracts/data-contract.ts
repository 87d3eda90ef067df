/**
 * The shape of a data contract: what a document or vector collection must look like in every store that
 * holds it. Contract files (`schemas/contracts/*.contract.json`) are generated from the zod schemas by
 * `contract-catalog.ts` and committed; a test fails when a schema changes and its contract does not.
 */
import { z } from 'zod';

/** An index as a store declares it: a name and its ordered keys (1 ascending, -1 descending). */
export const IndexSpec = z.object({
  name: z.string().min(1),
  keys: z.array(z.tuple([z.string().min(1), z.union([z.literal(1), z.literal(-1)])])).min(1),
  unique: z.boolean(),
});
export type IndexSpec = z.infer<typeof IndexSpec>;

/** A rule that holds for every record; validators implement each id (`contract-invariants.ts`). */
export const Invariant = z.object({ id: z.string().min(1), description: z.string().min(1) });
export type Invariant = z.infer<typeof Invariant>;

/** A SQLite column of the embedded store's table, as `PRAGMA table_info` reports it. */
export const SqliteColumn = z.object({
  name: z.string(),
  type: z.string(),
  notnull: z.boolean(),
  pk: z.number().int().nonnegative(),
});
export type SqliteColumn = z.infer<typeof SqliteColumn>;

export const DocumentCollectionContract = z.object({
  contract: z.string().regex(/^documents\.[a-z]+$/),
  kind: z.literal('document-collection'),
  collection: z.string().min(1),
  /** Where the schemas this contract is derived from live (files and exported names). */
  derived_from: z.array(z.string()),
  /** JSON Schema of one stored document (every adapter's record decodes to it). */
  record_schema: z.record(z.string(), z.unknown()),
  /** JSON Schema per well-known slot's `value`; other slot names are allowed and unchecked. */
  slot_schemas: z.record(z.string(), z.record(z.string(), z.unknown())),
  invariants: z.array(Invariant),
  mongodb: z.object({ indexes: z.array(IndexSpec), slot_log_indexes: z.array(IndexSpec) }),
  sqlite: z.object({ table: z.string(), columns: z.array(SqliteColumn), indexes: z.array(z.string()) }),
});
export type DocumentCollectionContract = z.infer<typeof DocumentCollectionContract>;

export const VectorCollectionContract = z.object({
  contract: z.string().regex(/^vectors\.[a-z]+$/),
  kind: z.literal('vector-collection'),
  collection: z.string().min(1),
  derived_from: z.array(z.string()),
  /** The deployment default; a tenant collection is pinned to whatever model first wrote it. */
  embedding: z.object({ model: z.string().min(1), dimension: z.number().int().positive() }),
  distance: z.enum(['cosine', 'l2', 'ip']),
  /** Version of the text derivation (what is embedded from a document); a change means re-embed. */
  chunker_version: z.string().min(1),
  metadata: z.object({
    required: z.record(z.string(), z.enum(['string', 'number', 'boolean'])),
    optional: z.record(z.string(), z.enum(['string', 'number', 'boolean'])),
  }),
  /** Collection-level metadata keys every collection carries (the pin and the target marker). */
  collection_metadata: z.array(z.string()),
  invariants: z.array(Invariant),
});
export type VectorCollectionContract = z.infer<typeof VectorCollectionContract>;

export type DataContract = DocumentCollectionContract | VectorCollectionContract;

/** One difference between what a contract declares and what a store holds. */
export interface ContractDiffEntry {
  /** `sqlite`, `mongodb` or `chroma`. */
  store: 'sqlite' | 'mongodb' | 'chroma';
  /** The contract the entry is about, e.g. `documents.messages`. */
  contract: string;
  /** Where in the store: a database/collection, a table, an index name, a record id. */
  location: string;
  /** What differs: `index`, `column`, `record`, `invariant:<id>`, `pin`, `metadata`, `distance`, ... */
  aspect: string;
  declared: unknown;
  actual: unknown;
  /** How many records showed this difference (record-level aspects), with up to 5 example ids. */
  count?: number;
  examples?: string[];
}

/** Renders diff entries as `- store location aspect: declared X, actual Y` lines (CLI and Markdown reports). */
export function formatContractDiff(entries: readonly ContractDiffEntry[]): string {
  if (entries.length === 0) return 'no drift: every store matches its contract';
  return entries
    .map((e) => {
      const n = e.count !== undefined ? ` (${e.count} records, e.g. ${(e.examples ?? []).join(', ')})` : '';
      return `- ${e.store} ${e.location} ${e.aspect}: declared ${JSON.stringify(e.declared)}, actual ${JSON.stringify(e.actual)}${n}`;
    })
    .join('\n');
}
