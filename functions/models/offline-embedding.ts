/**
 * Deterministic embeddings without a model: feature hashing of normalized words and character
 * trigrams into a fixed dimension, L2-normalized. Texts that share words land near each other, so
 * local search works offline; it knows nothing of synonyms or meaning.
 */

/** The offline embedding's dimension; fixed, so an offline collection stays consistently pinned. */
export const OFFLINE_EMBED_DIMENSION = 512;

const WORD_WEIGHT = 1;
const TRIGRAM_WEIGHT = 0.35;

/** Lowercase, NFKD without combining marks (so "Café" and "cafe" agree), then word tokens of letters and digits. */
export function wordTokens(text: string): string[] {
  const folded = text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase();
  return folded.match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** FNV-1a, 32-bit, with a final avalanche: small, fast and the same everywhere. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  // murmur3's finalizer: FNV's low bits correlate for similar short strings, and the bucket uses them.
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

/** Adds `weight` at the feature's bucket, with a hash-derived sign so collisions tend to cancel. */
function addFeature(vector: Float64Array, feature: string, weight: number): void {
  const h = fnv1a(feature);
  const index = h % vector.length;
  const sign = (h >>> 31) & 1 ? -1 : 1;
  vector[index] = (vector[index] ?? 0) + sign * weight;
}

/**
 * The vector of one text. An empty text (no word at all) gets a fixed unit vector, never a zero
 * vector: cosine distance is undefined for zero vectors and some stores reject them.
 */
export function hashedEmbedding(text: string, dimension = OFFLINE_EMBED_DIMENSION): number[] {
  const vector = new Float64Array(dimension);
  for (const token of wordTokens(text)) {
    addFeature(vector, `w:${token}`, WORD_WEIGHT);
    const padded = `#${token}#`;
    for (let i = 0; i + 3 <= padded.length; i++)
      addFeature(vector, `c:${padded.slice(i, i + 3)}`, TRIGRAM_WEIGHT);
  }
  let norm = 0;
  for (const x of vector) norm += x * x;
  if (norm === 0) {
    const unit = new Array<number>(dimension).fill(0);
    unit[0] = 1;
    return unit;
  }
  const scale = 1 / Math.sqrt(norm);
  return Array.from(vector, (x) => x * scale);
}

/** Cosine similarity of two L2-normalized vectors (their dot product). */
export function similarity(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) dot += (a[i] ?? 0) * (b[i] ?? 0);
  return dot;
}
