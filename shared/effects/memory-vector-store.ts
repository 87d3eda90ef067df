/** An in-memory VectorStore for tests and golden fixtures: cosine distance, the same pinning rule as Chroma. */
import type {
  EmbeddingSpec,
  VectorCollection,
  VectorMatch,
  VectorRecord,
  VectorStore,
} from './effect-ports.ts';
import { assertMatchesPin, VectorSchemaMismatchError, vectorCollectionName } from './vector-schema.ts';

interface MemoryCollection {
  spec: EmbeddingSpec | undefined;
  records: Map<string, VectorRecord>;
}

function cosineDistance(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  if (na === 0 || nb === 0) return 1;
  return 1 - dot / Math.sqrt(na * nb);
}

export class MemoryVectorStore implements VectorStore {
  readonly #provider: string;
  readonly #tenant: string;
  readonly #collections = new Map<VectorCollection, MemoryCollection>();
  /** Every upsert call, in order (tests assert batching from it). */
  readonly writes: Array<{ collection: VectorCollection; ids: string[] }> = [];

  constructor(provider = 'test', tenant = 'test') {
    this.#provider = provider;
    this.#tenant = tenant;
  }

  #collection(name: VectorCollection): MemoryCollection {
    let c = this.#collections.get(name);
    if (!c) {
      c = { spec: undefined, records: new Map() };
      this.#collections.set(name, c);
    }
    return c;
  }

  async upsert(
    collection: VectorCollection,
    records: readonly VectorRecord[],
    spec: EmbeddingSpec,
  ): Promise<void> {
    const c = this.#collection(collection);
    const name = vectorCollectionName(this.#provider, this.#tenant, collection);
    assertMatchesPin(name, c.spec ?? spec, spec, records);
    // Like Chroma, an empty write creates (and pins) nothing.
    if (records.length > 0) c.spec ??= { ...spec };
    for (const r of records) c.records.set(r.id, structuredClone(r));
    this.writes.push({ collection, ids: records.map((r) => r.id) });
  }

  async query(
    collection: VectorCollection,
    embedding: readonly number[],
    k: number,
    where: Record<string, string | number | boolean> = {},
    madeWith?: EmbeddingSpec,
  ): Promise<VectorMatch[]> {
    const c = this.#collection(collection);
    if (c.spec && madeWith && (madeWith.model !== c.spec.model || madeWith.dimension !== c.spec.dimension)) {
      throw new VectorSchemaMismatchError(this.#nameOf(collection), c.spec, madeWith);
    }
    if (c.spec && embedding.length !== c.spec.dimension) {
      throw new VectorSchemaMismatchError(this.#nameOf(collection), c.spec, {
        model: c.spec.model,
        dimension: embedding.length,
      });
    }
    const matches = [...c.records.values()]
      .filter((r) => Object.entries(where).every(([key, value]) => r.metadata[key] === value))
      .map((r) => ({ ...structuredClone(r), distance: cosineDistance(r.embedding, embedding) }));
    // Ties break by id so results are deterministic.
    matches.sort((a, b) => a.distance - b.distance || (a.id < b.id ? -1 : 1));
    return matches.slice(0, Math.max(0, k));
  }

  async count(collection: VectorCollection): Promise<number> {
    return this.#collection(collection).records.size;
  }

  async delete(collection: VectorCollection, ids: readonly string[]): Promise<void> {
    const c = this.#collection(collection);
    for (const id of ids) c.records.delete(id);
  }

  #nameOf(collection: VectorCollection): string {
    return vectorCollectionName(this.#provider, this.#tenant, collection);
  }

  async pinned(collection: VectorCollection): Promise<EmbeddingSpec | undefined> {
    const spec = this.#collection(collection).spec;
    return spec && { ...spec };
  }
}
