/** Content hashing for the crawl graph: exact hashes for bytes and ids, a SimHash for near-duplicate text. */
import { sha256Hex } from '../platform/sha256-hex.ts';

const encoder = new TextEncoder();

/** The text a page's hashes are taken over: case, punctuation and spacing do not make a new page. */
export function normalizeForHash(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/**
 * FNV-1a, 64 bits, over a word, as four 16-bit limbs (lowest first): cheap and well spread, good enough
 * to feed a SimHash. Plain numbers, not BigInt: a SimHash takes one per shingle, and BigInt arithmetic
 * (an allocation per step) made it the costliest step of a page after the HTML parse.
 */
function fnv1a64(word: string): [number, number, number, number] {
  let h0 = 0x2325;
  let h1 = 0x8422;
  let h2 = 0x9ce4;
  let h3 = 0xcbf2;
  for (const byte of encoder.encode(word)) {
    h0 ^= byte;
    // × 0x100000001b3 (2^40 + 0x1b3) modulo 2^64, limb by limb; every partial stays below 2^26.
    const t0 = h0 * 0x1b3;
    let t1 = h1 * 0x1b3;
    let t2 = h2 * 0x1b3 + (h0 << 8);
    const t3 = h3 * 0x1b3 + (h1 << 8);
    t1 += t0 >>> 16;
    t2 += t1 >>> 16;
    h3 = (t3 + (t2 >>> 16)) & 0xffff;
    h2 = t2 & 0xffff;
    h1 = t1 & 0xffff;
    h0 = t0 & 0xffff;
  }
  return [h0, h1, h2, h3];
}

function hex64(limbs: readonly number[]): string {
  let out = '';
  for (let i = 3; i >= 0; i--) out += (limbs[i] as number).toString(16).padStart(4, '0');
  return out;
}

/** FNV-1a 64 as 16 hex digits: a short, stable key for message ids (not a content hash). */
export function fnv1a(text: string): string {
  return hex64(fnv1a64(text));
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
      weights[bit] = (weights[bit] as number) + (((h[bit >>> 4] as number) >>> (bit & 15)) & 1 ? 1 : -1);
  }
  const out = [0, 0, 0, 0];
  for (let bit = 0; bit < 64; bit++)
    if ((weights[bit] as number) > 0) out[bit >>> 4] = (out[bit >>> 4] as number) | (1 << (bit & 15));
  return hex64(out);
}

/** Bits that differ between two SimHashes. */
export function hammingDistance(a: string, b: string): number {
  return popcount32(hexWord(a, 0) ^ hexWord(b, 0)) + popcount32(hexWord(a, 8) ^ hexWord(b, 8));
}

/** Eight hex digits of a SimHash from `at`, as an unsigned 32-bit number. */
function hexWord(hash: string, at: number): number {
  return Number.parseInt(hash.padStart(16, '0').slice(at, at + 8), 16) >>> 0;
}

function popcount32(x: number): number {
  let v = x >>> 0;
  v -= (v >>> 1) & 0x55555555;
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
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
