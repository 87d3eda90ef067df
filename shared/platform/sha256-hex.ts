/** SHA-256 as lower-case hex (WebCrypto: the same in Workers and Node). */
import { toHex } from './hex-encoding.ts';

const encoder = new TextEncoder();

/** The hex SHA-256 of bytes, or of a string's UTF-8. */
export async function sha256Hex(input: string | Uint8Array): Promise<string> {
  const bytes = typeof input === 'string' ? encoder.encode(input) : input;
  return toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>)));
}
