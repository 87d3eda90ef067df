import { describe, expect, it } from 'vitest';
import { packVector, unpackVector } from './packed-vector.ts';

describe('packed vectors', () => {
  it('round-trips every float64 value exactly', () => {
    const vector = [0, -0.5, 1 / 3, Math.PI, -1e-300, 1.7976931348623157e308, 0.1 + 0.2];
    expect(unpackVector(packVector(vector), vector.length)).toEqual(vector);
  });

  it('refuses a packed vector of another dimension, a non-base64 text and non-finite values', () => {
    const packed = packVector([1, 2, 3]);
    expect(unpackVector(packed, 4)).toBeUndefined();
    expect(unpackVector(packed, 2)).toBeUndefined();
    expect(unpackVector('!'.repeat(packed.length), 3)).toBeUndefined();
    expect(unpackVector(packVector([1, Number.NaN, 3]), 3)).toBeUndefined();
    expect(unpackVector(packVector([Number.POSITIVE_INFINITY]), 1)).toBeUndefined();
  });
});
