/**
 * A vector as base64 of its float32 or float64 values (little-endian, as every platform we run on is): a
 * fraction of the size of its JSON, and cheap to write, clone across RPC and check. As a JSON array of numbers
 * each value is formatted, cloned and walked one by one: for a page of 100 vectors of 1,536 values that was
 * most of the embedding cache's CPU per message. float32 is what Chroma stores and OpenAI's base64 answers
 * carry; float64 holds any finite number exactly.
 */
import { Buffer } from 'node:buffer';

const ARRAYS = { f32: Float32Array, f64: Float64Array } as const;

/** The width of each packed value: `f32` (4 bytes) or `f64` (8 bytes). */
export type VectorPacking = keyof typeof ARRAYS;

/**
 * The packed form of `vector` (finite numbers, as every embedding is). With `f32` each value is rounded to
 * the nearest float32, as `Math.fround` does; a value beyond float32's range becomes infinite and does not
 * unpack (see `float32Vector`).
 */
export function packVector(vector: readonly number[], packing: VectorPacking): string {
  // `set` copies an array of numbers in one native pass; `from` walks it through the iterator protocol.
  const values = new ARRAYS[packing](vector.length);
  values.set(vector);
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64');
}

/** The vector `packed` holds, or undefined when it is not a packed vector of `dimension` finite values. */
export function unpackVector(
  packed: string,
  dimension: number,
  packing: VectorPacking,
): number[] | undefined {
  const width = ARRAYS[packing].BYTES_PER_ELEMENT;
  // Padded or not (some OpenAI-compatible servers leave the padding off); anything else is not worth decoding.
  const unpadded = Math.ceil((dimension * width * 4) / 3);
  if (packed.length !== Math.ceil(unpadded / 4) * 4 && packed.length !== unpadded) return undefined;
  const bytes = Buffer.from(packed, 'base64');
  if (bytes.byteLength !== dimension * width) return undefined;
  // Copied into a buffer of its own: Buffer's pool gives no float alignment.
  const values = new ARRAYS[packing](dimension);
  new Uint8Array(values.buffer).set(bytes);
  return finiteNumbersOf(values);
}

/**
 * The values as a plain array, or undefined when one is not finite: one indexed loop, where `Array.from`
 * and `every` walk the iterator protocol and allocate per step (most of a vector's cost on the indexing path).
 */
function finiteNumbersOf(values: Float32Array | Float64Array): number[] | undefined {
  const out = new Array<number>(values.length);
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    // x - x is NaN exactly when x is NaN or infinite.
    if (x - x !== 0) return undefined;
    out[i] = x;
  }
  return out;
}

/**
 * `vector` with each value rounded to float32 (what packing it as `f32` and unpacking gives back), or
 * undefined when a value does not fit a finite float32.
 */
export function float32Vector(vector: readonly number[]): number[] | undefined {
  const rounded = new Array<number>(vector.length);
  for (let i = 0; i < vector.length; i++) {
    const x = Math.fround(vector[i]!);
    if (x - x !== 0) return undefined;
    rounded[i] = x;
  }
  return rounded;
}
