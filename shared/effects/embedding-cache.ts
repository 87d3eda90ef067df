/**
 * The embedding cache (seed 000): a ModelPort whose `embed` never asks the model twice for the same text with
 * the same model. Entries live in the tenant's own document store (collection `embeddings`), keyed by
 * `{model, input_hash}` (SHA-256 of the text), so workers stay stateless, a redelivered or re-embedded
 * message costs no model call, and one tenant's cache is never read for another (each tenant's store is
 * scoped to it). The cached record holds the vector and the hash, never the text.
 *
 * Vectors are stored packed as float32 (`vector_f32`, shared/effects/packed-vector.ts), and every vector this
 * port answers, hit or miss, is the model's rounded to float32. Until issue 18 the cache stored float64 and
 * promised a hit "exactly the vector the model gave" (the decimals of the `float` JSON the port asked for then,
 * parsed as float64). That exactness ended at the cache: the vector store (Chroma, the only one) keeps float32,
 * and the port now asks for base64 by default (`EMBED_ENCODING`), which is the vector's float32 bytes.
 * Rounding here changes nothing Chroma holds (rounding twice is rounding once), makes a hit and a miss answer
 * the same vector, and halves the row that was most of the bytes SQLite wrote per indexed message (a
 * 1,536-value vector: 8 KB of base64, not 16 KB). float32's relative error (at most 2^-24, about 6e-8) is far
 * below what separates two texts' cosine distances. A vector with a value beyond float32's range (no
 * embedding model answers one) is stored and answered as float64.
 * Records written as float64 (`vector_f64`) or as a JSON array (`vector`) still read, and answer rounded too.
 */
import { z } from 'zod';
import { AgentError } from '../agent/agent-errors.ts';
import { sha256Hex } from '../platform/sha256-hex.ts';
import type { DocumentCollection, DocumentStore, StoredDocument } from './document-store.ts';
import { GET_MANY_MAX } from './document-store.ts';
import type { ModelAnswer, ModelPort } from './effect-ports.ts';
import { float32Vector, packVector, unpackVector } from './packed-vector.ts';

export const EMBEDDING_CACHE_COLLECTION = 'embeddings' satisfies DocumentCollection;

/** What one `embed` call found: texts answered from the cache, and texts the model had to embed. */
export interface EmbeddingCacheLookup {
  hits: number;
  misses: number;
}

export interface EmbeddingCacheOptions {
  /** The embedding model the port is configured for: the first half of the key. */
  model: string;
  provider: string;
  tenant: string;
  /** Told after every `embed` call (the ops recorder counts hits and misses for /metrics and the ledger). */
  onLookup?: (lookup: EmbeddingCacheLookup) => void;
  /** Told when the store could not be read or written (the call went on without the cache). */
  onStoreError?: (error: unknown) => void;
  /**
   * The size of vector the model answers now (`EMBED_DIMENSIONS`, or the offline model's): an entry of
   * another size, written before the setting changed, is a miss. Without it a call only learns the size from
   * the model, so one whose every text hits an entry of the old size would answer the old size.
   */
  dimension?: number;
  /** The clock an entry's version is read from (default `Date.now`). */
  now?: () => number;
  /**
   * Texts of fewer UTF-8 bytes go straight to the model, neither looked up nor stored (and are reported as
   * misses): remembering them costs more than embedding them again (`EMBED_CACHE_MIN_BYTES`). Default 0.
   */
  minBytes?: number;
}

/**
 * The stored slot, with the vector packed (`vector_f32`; `vector_f64` before issue 18 or out of float32's
 * range) or, in records written before packing, as an array (`vector`); a record whose model or dimension
 * disagrees with the call is a miss, never a wrong vector.
 */
const CachedSlot = z.object({
  model: z.string(),
  input_hash: z.string().regex(/^[0-9a-f]{64}$/),
  dimension: z.number().int().positive(),
  offline: z.boolean(),
  vector: z.array(z.number()).optional(),
  vector_f32: z.string().optional(),
  vector_f64: z.string().optional(),
});
type CachedSlotValue = z.infer<typeof CachedSlot>;
type CachedVector = Omit<CachedSlotValue, 'vector' | 'vector_f32' | 'vector_f64'> & { vector: number[] };

/** The SHA-256 of the text as embedded: the `input_hash` half of the key. */
export function inputHash(text: string): Promise<string> {
  return sha256Hex(text);
}

/** The document id for `{model, input_hash}`: the input hash plus a short digest of the model name. */
export async function embeddingCacheId(model: string, hash: string): Promise<string> {
  return cacheIdOf(hash, await modelDigest(model));
}

const modelDigest = async (model: string) => (await sha256Hex(model)).slice(0, 16);
const cacheIdOf = (hash: string, digest: string) => `${hash}.${digest}`;

function cachedVectorOf(doc: StoredDocument | undefined): CachedVector | undefined {
  const parsed = CachedSlot.safeParse(doc?.slots.vector?.value);
  if (!parsed.success) return undefined;
  const { vector_f32, vector_f64, vector: listed, ...rest } = parsed.data;
  if (vector_f32 !== undefined) {
    const vector = unpackVector(vector_f32, rest.dimension, 'f32');
    return vector ? { ...rest, vector } : undefined;
  }
  // Written before issue 18 (or out of float32's range): answered rounded, as a fresh miss would be.
  const wide = vector_f64 !== undefined ? unpackVector(vector_f64, rest.dimension, 'f64') : listed;
  return wide ? { ...rest, vector: float32Vector(wide) ?? wide } : undefined;
}

/** The vector as this port answers and stores it: rounded to float32, packed (float64 only when it must be). */
function storedFormOf(vector: readonly number[]): {
  vector: number[];
  packed: Pick<CachedSlotValue, 'vector_f32' | 'vector_f64'>;
} {
  const single = float32Vector(vector);
  return single
    ? { vector: single, packed: { vector_f32: packVector(single, 'f32') } }
    : { vector: [...vector], packed: { vector_f64: packVector(vector, 'f64') } };
}

type EmbedAnswer = ModelAnswer & { vectors: number[][]; dimension: number };

/**
 * Whether `text` is at least `limit` bytes as UTF-8, decided from its length where that settles it (each
 * UTF-16 unit is 1 to 3 bytes, a surrogate pair 4), so a chat line costs no encoding.
 */
export function reachesUtf8Bytes(text: string, limit: number): boolean {
  if (text.length >= limit) return true;
  if (text.length * 3 < limit) return false;
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    bytes += unit < 0x80 ? 1 : unit < 0x800 || (unit >= 0xd800 && unit <= 0xdfff) ? 2 : 3;
  }
  return bytes >= limit;
}

/** Two answers for parts of one call, put back in the call's order (`inFirst[i]`: text i is in `first`). */
function interleaved(inFirst: readonly boolean[], first: EmbedAnswer, second: EmbedAnswer): EmbedAnswer {
  let [a, b] = [0, 0];
  const vectors = inFirst.map((f) => (f ? first.vectors[a++]! : second.vectors[b++]!));
  const usage =
    first.usage && second.usage
      ? {
          prompt_tokens: first.usage.prompt_tokens + second.usage.prompt_tokens,
          total_tokens: first.usage.total_tokens + second.usage.total_tokens,
        }
      : (first.usage ?? second.usage);
  return {
    model: first.model,
    offline: first.offline || second.offline,
    dimension: first.dimension,
    vectors,
    ...(usage !== undefined && { usage }),
  };
}

/**
 * One vector per id, each array the caller's own: the vectors here are built for this call (unpacked from the
 * store or rounded from the model's answer), so only an id asked for twice needs a copy.
 */
function answeredOnce(ids: readonly string[], vectorOf: (id: string) => number[]): number[][] {
  const given = new Set<string>();
  return ids.map((id) => {
    const vector = vectorOf(id);
    if (given.has(id)) return [...vector];
    given.add(id);
    return vector;
  });
}

/** `models` with a cached `embed`; every other call passes straight through. */
export function withEmbeddingCache(
  models: ModelPort,
  documents: DocumentStore,
  options: EmbeddingCacheOptions,
): ModelPort {
  const { model, provider, tenant } = options;
  // The model half of every id is the same for this port: digested once, not once per text.
  let digest: Promise<string> | undefined;

  const lookUp = async (ids: readonly string[]): Promise<Map<string, CachedVector>> => {
    const found = new Map<string, CachedVector>();
    for (let i = 0; i < ids.length; i += GET_MANY_MAX) {
      const docs = await documents.getMany(EMBEDDING_CACHE_COLLECTION, ids.slice(i, i + GET_MANY_MAX));
      for (const doc of docs) {
        const cached = cachedVectorOf(doc);
        if (
          cached &&
          cached.model === model &&
          cached.vector.length === cached.dimension &&
          (options.dimension === undefined || cached.dimension === options.dimension)
        ) {
          found.set(doc.foreign_id, cached);
        }
      }
    }
    return found;
  };

  /** Embeds `indexes` of `texts` with the model and stores each vector under its key. */
  const embedAndStore = async (
    texts: readonly string[],
    hashes: readonly string[],
    ids: readonly string[],
    indexes: readonly number[],
  ): Promise<{ answer: EmbedAnswer; fresh: Map<string, number[]> }> => {
    const answer = await models.embed(indexes.map((i) => texts[i]!));
    const fresh = new Map<string, number[]>();
    // The slot's version is when it was written: a store keeps the higher version of a slot, so an entry
    // written again (its old one was of another size) replaces the old one. Entries written as version '1'
    // sort below every timestamp.
    const version = new Date((options.now ?? Date.now)()).toISOString();
    const records: StoredDocument[] = indexes.map((textIndex, j) => {
      const id = ids[textIndex]!;
      const { vector, packed } = storedFormOf(answer.vectors[j]!);
      fresh.set(id, vector);
      const value: CachedSlotValue = {
        model,
        input_hash: hashes[textIndex]!,
        dimension: answer.dimension,
        offline: answer.offline,
        ...packed,
      };
      return {
        provider,
        tenant,
        foreign_id: id,
        urn: `urn:${provider}:embedding:${tenant}:${id}`,
        index: {},
        slots: { vector: { version, value } },
      };
    });
    // The vectors are the answer; failing to remember them only costs a model call next time.
    await documents
      .upsertMany(EMBEDDING_CACHE_COLLECTION, records)
      .catch((e: unknown) => options.onStoreError?.(e));
    return { answer, fresh };
  };

  /** The first index of each distinct id among `indexes` (the same text twice in one call is embedded once). */
  const distinct = (ids: readonly string[], indexes: readonly number[]): number[] => {
    const seen = new Set<string>();
    return indexes.filter((i) => !seen.has(ids[i]!) && seen.add(ids[i]!));
  };

  const cachedEmbed = async (texts: readonly string[]): Promise<EmbedAnswer> => {
    if (texts.length === 0) return models.embed(texts);
    const hashes = await Promise.all(texts.map((t) => inputHash(t)));
    digest ??= modelDigest(model);
    const forModel = await digest;
    const ids = hashes.map((h) => cacheIdOf(h, forModel));
    // A cache that cannot be read is a miss, never a failed embed.
    const cached = await lookUp([...new Set(ids)]).catch((e: unknown) => {
      options.onStoreError?.(e);
      return new Map<string, CachedVector>();
    });
    const all = texts.map((_, i) => i);
    const missing = distinct(
      ids,
      all.filter((i) => !cached.has(ids[i]!)),
    );
    const hits = texts.length - missing.length;
    if (missing.length === 0) {
      const first = cached.get(ids[0]!);
      const uniform = [...cached.values()].every((c) => c.dimension === first?.dimension);
      if (first && uniform) {
        options.onLookup?.({ hits, misses: 0 });
        return {
          model,
          offline: [...cached.values()].some((c) => c.offline),
          dimension: first.dimension,
          vectors: answeredOnce(ids, (id) => cached.get(id)!.vector),
        };
      }
    }
    let { answer, fresh } = await embedAndStore(texts, hashes, ids, missing);
    const stale = [...cached.values()].some((c) => c.dimension !== answer.dimension);
    if (stale) {
      // Cached vectors of another dimension (EMBED_DIMENSIONS changed under the same model): embed everything.
      ({ answer, fresh } = await embedAndStore(texts, hashes, ids, distinct(ids, all)));
      options.onLookup?.({ hits: 0, misses: texts.length });
    } else {
      options.onLookup?.({ hits, misses: missing.length });
    }
    return {
      ...answer,
      model,
      vectors: answeredOnce(ids, (id) => fresh.get(id) ?? cached.get(id)!.vector),
    };
  };

  const minBytes = options.minBytes ?? 0;
  const embed = async (texts: readonly string[]): Promise<EmbedAnswer> => {
    if (minBytes <= 0) return cachedEmbed(texts);
    const cacheable = texts.map((t) => reachesUtf8Bytes(t, minBytes));
    if (cacheable.every(Boolean)) return cachedEmbed(texts);
    // Counted as misses: a miss is a text the model embedded, which is what the ledger's figure is for.
    const short = texts.length - cacheable.filter(Boolean).length;
    if (short === texts.length) {
      const answer = await models.embed(texts);
      options.onLookup?.({ hits: 0, misses: short });
      return answer;
    }
    const long = texts.filter((_, i) => cacheable[i]);
    let [cached, direct] = await Promise.all([
      cachedEmbed(long),
      models.embed(texts.filter((_, i) => !cacheable[i])),
    ]);
    options.onLookup?.({ hits: 0, misses: short });
    // Every long text hit entries of another size (EMBED_DIMENSIONS changed since): the model's size wins.
    if (direct.dimension !== cached.dimension) cached = await models.embed(long);
    if (direct.dimension !== cached.dimension) {
      // Only a model answering two sizes within moments (a misconfigured server) gets here: retrying asks again.
      throw new AgentError(
        `embedding dimensions disagree within one call: ${cached.dimension} through the cache, ` +
          `${direct.dimension} from the model (model ${model})`,
        { provider, tenant },
      );
    }
    return interleaved(cacheable, cached, direct);
  };

  return {
    complete: (r) => models.complete(r),
    embed,
    transcribe: (r) => models.transcribe(r),
    synthesize: (r) => models.synthesize(r),
    describeImage: (i) => models.describeImage(i),
  };
}
