import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../platform/sha256-hex.ts';
import {
  hammingDistance,
  NEAR_DUPLICATE_BITS,
  normalizeForHash,
  simhash64,
  simhashBands,
} from './content-hash.ts';

const ARTICLE =
  'Ducks are waterfowl. They paddle on ponds and rivers, feed on plants and insects, and migrate long distances ' +
  'in autumn. Mallards are the most common duck in the northern hemisphere, and their green heads are easy to spot.';

describe('content hashing', () => {
  it('hashes with SHA-256', async () => {
    expect(await sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
  it('normalizes case, punctuation and spacing before hashing text', () => {
    expect(normalizeForHash('  Hello,\n  WORLD!! ')).toBe('hello world');
  });
  it('puts a near-duplicate within the threshold and an unrelated text far away', () => {
    const a = simhash64(`${ARTICLE} Updated on 2026-11-01.`);
    const b = simhash64(`${ARTICLE} Updated on 2026-11-02.`);
    const c = simhash64(
      'The stock market closed higher today as technology shares rallied on strong earnings reports from chip makers.',
    );
    expect(hammingDistance(a, b)).toBeLessThanOrEqual(NEAR_DUPLICATE_BITS);
    expect(hammingDistance(a, c)).toBeGreaterThan(10);
    expect(simhashBands(a).join('')).toBe(a);
  });
  it('is deterministic', () => {
    expect(simhash64(ARTICLE)).toBe(simhash64(ARTICLE));
  });
});
