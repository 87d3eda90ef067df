/**
 * Validates a Chroma collection against its vector contract: the pin (model, dimension) against what the
 * tenant expects, the distance, the collection metadata every collection carries, and a sample of records
 * (vector length, required metadata keys and their types, no undeclared keys).
 */
import type { Collection } from 'chromadb';
import { PIN_DIMENSION_KEY, PIN_MODEL_KEY } from '../../effects/chroma-vector-store.ts';
import type { EmbeddingSpec } from '../../effects/effect-ports.ts';
import type { ContractDiffEntry, VectorCollectionContract } from './data-contract.ts';

export interface ChromaValidationOptions {
  /** The model and dimension this tenant's collection must be pinned to (the contract's default otherwise). */
  expected?: EmbeddingSpec;
  /** Records to check (default 1,000). */
  sampleLimit?: number;
}

/** Actual vs declared for one collection. */
export async function validateChromaCollection(
  col: Collection,
  contract: VectorCollectionContract,
  options: ChromaValidationOptions = {},
): Promise<ContractDiffEntry[]> {
  const diffs: ContractDiffEntry[] = [];
  const push = (aspect: string, declared: unknown, actual: unknown, ids?: string[]) =>
    diffs.push({
      store: 'chroma',
      contract: contract.contract,
      location: col.name,
      aspect,
      declared,
      actual,
      ...(ids && { count: ids.length, examples: ids.slice(0, 5) }),
    });
  const meta = col.metadata ?? {};
  const expected = options.expected ?? contract.embedding;
  for (const key of contract.collection_metadata) {
    if (meta[key] === undefined || meta[key] === null) push(`metadata:${key}`, 'present', 'missing');
  }
  const pinned = { model: meta[PIN_MODEL_KEY], dimension: meta[PIN_DIMENSION_KEY] };
  if (pinned.model !== expected.model) push('pin:model', expected.model, pinned.model ?? 'missing');
  if (pinned.dimension !== expected.dimension)
    push('pin:dimension', expected.dimension, pinned.dimension ?? 'missing');
  const space = col.configuration?.hnsw?.space ?? col.configuration?.spann?.space;
  if (space !== undefined && space !== contract.distance) push('distance', contract.distance, space);
  if (
    meta['promethean:chunker_version'] !== undefined &&
    meta['promethean:chunker_version'] !== contract.chunker_version
  ) {
    push('chunker_version', contract.chunker_version, meta['promethean:chunker_version']);
  }
  const sample = await col.get({ limit: options.sampleLimit ?? 1000, include: ['embeddings', 'metadatas'] });
  const wrongDimension: string[] = [];
  const missingKeys = new Map<string, string[]>();
  const wrongTypes = new Map<string, string[]>();
  const undeclared = new Map<string, string[]>();
  const declaredTypes = { ...contract.metadata.optional, ...contract.metadata.required };
  const add = (map: Map<string, string[]>, key: string, id: string) =>
    map.set(key, [...(map.get(key) ?? []), id]);
  sample.ids.forEach((id, i) => {
    if ((sample.embeddings[i]?.length ?? 0) !== expected.dimension) wrongDimension.push(id);
    const md = (sample.metadatas[i] ?? {}) as Record<string, unknown>;
    for (const key of Object.keys(contract.metadata.required)) if (!(key in md)) add(missingKeys, key, id);
    for (const [key, value] of Object.entries(md)) {
      const type = declaredTypes[key];
      if (!type) add(undeclared, key, id);
      else if (typeof value !== type) add(wrongTypes, key, id);
    }
  });
  if (wrongDimension.length > 0)
    push('invariant:vector-dimension', expected.dimension, 'other lengths', wrongDimension);
  for (const [key, ids] of missingKeys) push(`invariant:metadata-keys:${key}`, 'present', 'missing', ids);
  for (const [key, ids] of wrongTypes)
    push(`invariant:metadata-keys:${key}`, declaredTypes[key], 'another type', ids);
  for (const [key, ids] of undeclared) push(`metadata-key:${key}`, 'absent', 'present', ids);
  return diffs;
}
