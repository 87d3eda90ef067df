import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { float32Vector, packVector, unpackVector } from './packed-vector.ts';

describe('packed vectors', () => {
  it('round-trips every float64 value exactly as f64', () => {
    const vector = [0, -0.5, 1 / 3, Math.PI, -1e-300, 1.7976931348623157e308, 0.1 + 0.2];
    expect(unpackVector(packVector(vector, 'f64'), vector.length, 'f64')).toEqual(vector);
  });

  it('rounds each value to float32 as f32, in half the bytes, and round-trips float32 values exactly', () => {
    const vector = [0, -0.5, 1 / 3, Math.PI, 0.1 + 0.2, 1e-40];
    const packed = packVector(vector, 'f32');
    expect(packed.length).toBe(Math.ceil((vector.length * 4) / 3) * 4);
    const single = unpackVector(packed, vector.length, 'f32');
    expect(single).toEqual(vector.map(Math.fround));
    // 1/3 is not a float32: the rounding is real, and a second pass changes nothing.
    expect(single![2]).not.toBe(1 / 3);
    expect(unpackVector(packVector(single!, 'f32'), vector.length, 'f32')).toEqual(single);
  });

  it('refuses a packed vector of another dimension or width, a non-base64 text and non-finite values', () => {
    for (const packing of ['f32', 'f64'] as const) {
      const packed = packVector([1, 2, 3], packing);
      expect(unpackVector(packed, 4, packing)).toBeUndefined();
      expect(unpackVector(packed, 2, packing)).toBeUndefined();
      expect(unpackVector('!'.repeat(packed.length), 3, packing)).toBeUndefined();
      expect(unpackVector(packVector([1, Number.NaN, 3], packing), 3, packing)).toBeUndefined();
      expect(unpackVector(packVector([Number.POSITIVE_INFINITY], packing), 1, packing)).toBeUndefined();
    }
    // Six float32 values are three float64 values' bytes: the dimension tells them apart.
    expect(unpackVector(packVector([1, 2, 3], 'f64'), 3, 'f32')).toBeUndefined();
    // A finite float64 beyond float32's range packs as infinity, which does not unpack.
    expect(unpackVector(packVector([1e39], 'f32'), 1, 'f32')).toBeUndefined();
  });

  it('reads a vector whose base64 has no padding, as some compatible servers send it', () => {
    const vector = [0.5, -0.25, 1 / 3, 2, 7];
    const packed = packVector(vector, 'f32');
    expect(packed.endsWith('=')).toBe(true);
    const bare = packed.replace(/=+$/, '');
    expect(unpackVector(bare, vector.length, 'f32')).toEqual(vector.map(Math.fround));
    expect(unpackVector(bare.slice(0, -1), vector.length, 'f32')).toBeUndefined();
  });

  it('rounds a vector to float32, or answers undefined when a value does not fit', () => {
    expect(float32Vector([0.1, -2, 1 / 3])).toEqual([Math.fround(0.1), -2, Math.fround(1 / 3)]);
    expect(float32Vector([0.5, 1e39])).toBeUndefined();
    expect(float32Vector([0.5, Number.NaN])).toBeUndefined();
    expect(float32Vector([Number.NEGATIVE_INFINITY])).toBeUndefined();
  });

  it('answers dense arrays of plain numbers, packed the same as a typed array of the values', () => {
    const vector = Array.from({ length: 1536 }, (_, i) => Math.sin(i) / 7);
    const single = float32Vector(vector)!;
    const unpacked = unpackVector(packVector(vector, 'f32'), vector.length, 'f32')!;
    for (const v of [single, unpacked]) {
      expect(Array.isArray(v)).toBe(true);
      expect(Object.keys(v)).toHaveLength(vector.length);
    }
    expect(unpacked).toEqual(single);
    expect(packVector(vector, 'f32')).toBe(Buffer.from(Float32Array.from(vector).buffer).toString('base64'));
  });
});
