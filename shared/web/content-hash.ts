/** Content hashing for the crawl graph: exact hashes for bytes and ids, a SimHash for near-duplicate text. */

const encoder = new TextEncoder();

/** Lower-case hex SHA-256 of bytes or of a string's UTF-8 (WebCrypto: the same in Workers and Node). */
export async function sha256Hex(input: string | Uint8Array): Promise<string> {
  const bytes = typeof input === 'string' ? encoder.encode(input) : input;
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** The text a page's hashes are taken over: case, punctuation and spacing do not make a new page. */
export function normalizeForHash(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** FNV-1a, 64 bits, over a word: cheap and well spread, good enough to feed a SimHash. */
function fnv1a64(word: string): bigint {
  let hash = 0xcbf29ce484222325n;
  for (const byte of encoder.encode(word)) {
    hash ^= BigInt(byte);
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash;
}

/** FNV-1a 64 as 16 hex digits: a short, stable key for message ids (not a content hash). */
export function fnv1a(text: string): string {
  return fnv1a64(text).toString(16).padStart(16, '0');
}

/**
 * A 64-bit SimHash over word 3-shingles, as 16 hex digits. Pages that differ by a date line or a
 * counter land a few bits apart; unrelated pages land about 32 bits apart.
 */
export function simhash64(text: string): string {
  const words = normalizeForHash(text).split(' ').filter(Boolean);
  const weights = new Array<number>(64).fill(0);
  const shingles =
    words.length < 3 ? [words.join(' ')] : words.slice(2).map((w, i) => `${words[i]} ${words[i + 1]} ${w}`);
  for (const shingle of shingles) {
    const h = fnv1a64(shingle);
    for (let bit = 0; bit < 64; bit++)
      weights[bit] = (weights[bit] as number) + ((h >> BigInt(bit)) & 1n ? 1 : -1);
  }
  let out = 0n;
  for (let bit = 0; bit < 64; bit++) if ((weights[bit] as number) > 0) out |= 1n << BigInt(bit);
  return out.toString(16).padStart(16, '0');
}

/** Bits that differ between two SimHashes. */
export function hammingDistance(a: string, b: string): number {
  let x = BigInt(`0x${a}`) ^ BigInt(`0x${b}`);
  let n = 0;
  while (x > 0n) {
    n += Number(x & 1n);
    x >>= 1n;
  }
  return n;
}

/**
 * The four 16-bit bands of a SimHash: two hashes within 3 bits share at least one band (pigeonhole),
 * so a lookup by band finds every near-duplicate candidate.
 */
export function simhashBands(hash: string): string[] {
  return Array.from({ length: 4 }, (_, i) => hash.slice(i * 4, i * 4 + 4));
}

/**
 * Near-duplicate threshold for pages that share no opening: at most this many differing bits.
 * Measured on the fixture web: a post and its print copy land 4–8 bits apart, yet two distinct but
 * template-alike posts came within 9 — so a wider threshold needs the lead fingerprint as well.
 */
export const NEAR_DUPLICATE_BITS = 3;

/** Characters of normalized opening text the lead fingerprint covers. */
export const LEAD_CHARS = 400;

/** A fingerprint of the opening text (16 hex digits): a print or AMP copy of a page starts as the page does. */
export async function leadFingerprint(text: string): Promise<string> {
  return (await sha256Hex(normalizeForHash(text).slice(0, LEAD_CHARS))).slice(0, 16);
}

/**
 * Pages with the same opening are near-duplicates within this many bits: a post and its print copy
 * differ by a line, which on a ~300-word page moves its SimHash by up to ~10 bits.
 */
export const NEAR_DUPLICATE_SAME_LEAD_BITS = 16;
