import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from './hex-encoding.ts';
import { sha256Hex } from './sha256-hex.ts';

describe('hex encoding', () => {
  it('round-trips every byte value, lower-case out, either case in', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const hex = toHex(all);
    expect(hex).toHaveLength(512);
    expect(hex.slice(0, 8)).toBe('00010203');
    expect(hex.slice(-4)).toBe('feff');
    expect(fromHex(hex)).toEqual(all);
    expect(fromHex('ABcd')).toEqual(Uint8Array.of(0xab, 0xcd));
    expect(toHex(new Uint8Array())).toBe('');
  });

  it('refuses what is not whole bytes of hex digits', () => {
    for (const bad of ['abc', 'zz', '0x00', 'a b ', '\u0661\u0662']) expect(fromHex(bad)).toBeUndefined();
  });

  it('hashes strings as UTF-8 and bytes as given (SHA-256 test vectors)', async () => {
    expect(await sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(await sha256Hex(new Uint8Array())).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });
});
