/**
 * Range checksums over sorted ids, bisected down to the ids that differ. Each record hashes to 64 bits (two
 * 32-bit halves of a cyrb53-style hash of its canonical `[id, text, metadata, model, dim]`); a range's digest
 * is the XOR of its records' hashes (order-free, O(1) per range from prefix XORs). Equal digests end the
 * descent; only ranges that differ are split, so the work and the output grow with the drift, not the size.
 */
import { canonicalJson } from '../../effects/mongo-document-codec.ts';

export type RecordHash = readonly [number, number];

/** A 64-bit hash of a string, as two unsigned 32-bit halves (cyrb53's mixing, both halves kept). */
export function hashText(text: string, seed = 0): RecordHash {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return [h1 >>> 0, h2 >>> 0];
}

/** The checksum of one vector record as the contract defines it. */
export function recordHash(record: {
  id: string;
  text: string;
  metadata: Record<string, unknown>;
  model: string;
  dimension: number;
}): RecordHash {
  return hashText(canonicalJson([record.id, record.text, record.metadata, record.model, record.dimension]));
}

/** Prefix XORs of one side's hashes over the shared sorted id list (absent ids contribute nothing). */
export class RangeDigests {
  readonly #lo: Uint32Array;
  readonly #hi: Uint32Array;

  constructor(ids: readonly string[], hashes: ReadonlyMap<string, RecordHash>) {
    this.#lo = new Uint32Array(ids.length + 1);
    this.#hi = new Uint32Array(ids.length + 1);
    ids.forEach((id, i) => {
      const h = hashes.get(id);
      this.#lo[i + 1] = (this.#lo[i]! ^ (h?.[0] ?? 0)) >>> 0;
      this.#hi[i + 1] = (this.#hi[i]! ^ (h?.[1] ?? 0)) >>> 0;
    });
  }

  /** The digest of ids[from, to). */
  digest(from: number, to: number): RecordHash {
    return [(this.#lo[to]! ^ this.#lo[from]!) >>> 0, (this.#hi[to]! ^ this.#hi[from]!) >>> 0];
  }
}

/** The ids whose records differ between the two sides, and how many range digests were compared. */
export function bisectDifferences(
  ids: readonly string[],
  expected: RangeDigests,
  actual: RangeDigests,
): { differing: string[]; ranges_compared: number } {
  const differing: string[] = [];
  let compared = 0;
  const stack: Array<[number, number]> = ids.length > 0 ? [[0, ids.length]] : [];
  while (stack.length > 0) {
    const [from, to] = stack.pop()!;
    compared++;
    const a = expected.digest(from, to);
    const b = actual.digest(from, to);
    if (a[0] === b[0] && a[1] === b[1]) continue;
    if (to - from === 1) {
      differing.push(ids[from]!);
      continue;
    }
    const mid = from + Math.floor((to - from) / 2);
    stack.push([mid, to], [from, mid]);
  }
  return { differing, ranges_compared: compared };
}
