/**
 * Lower-case hex for bytes and back: hashes, ids, keys and signatures. One table lookup per byte, because
 * hashes are hex-encoded on hot paths (a page's content hash, a message's embedding-cache key).
 */

const BYTE_HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

/** `bytes` as lower-case hex, two characters per byte. */
export function toHex(bytes: Uint8Array): string {
  let text = '';
  for (const b of bytes) text += BYTE_HEX[b];
  return text;
}

const HEX_DIGITS = /^(?:[0-9a-fA-F]{2})*$/;

/** The bytes `hex` spells (either case), or undefined when it is not whole bytes of hex digits. */
export function fromHex(hex: string): Uint8Array | undefined {
  if (!HEX_DIGITS.test(hex)) return undefined;
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}
