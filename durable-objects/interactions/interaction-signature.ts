/**
 * Verifies a signed interaction before anything reads it: Ed25519 over `timestamp + raw body`
 * (Discord's scheme, which the echo provider shares), checked with `discord-interactions`' `verifyKey`
 * on the raw bytes, plus a timestamp freshness window, which `verifyKey` does not enforce.
 */
import { verifyKey } from 'discord-interactions';

/** Why a request was refused; each is answered 401. */
export type SignatureRejection =
  | 'missing_signature_headers'
  | 'malformed_signature'
  | 'malformed_timestamp'
  | 'stale_timestamp'
  | 'bad_signature';

export interface SignedRequest {
  signature: string;
  timestamp: string;
  body: Uint8Array;
}

export type SignatureVerdict = { ok: true } | { ok: false; reason: SignatureRejection; message: string };

/** Default freshness window: a timestamp more than 5 minutes from now, either way, is refused. */
export const DEFAULT_MAX_SKEW_S = 300;

const SIGNATURE = /^[0-9a-f]{128}$/i;
const TIMESTAMP = /^\d{1,12}$/;
const PUBLIC_KEY = /^[0-9a-f]{64}$/i;

const refuse = (reason: SignatureRejection, message: string): SignatureVerdict => ({
  ok: false,
  reason,
  message,
});

/** Whether a configured public key has the shape of an Ed25519 key in hex (32 bytes). */
export function isPublicKeyHex(key: string): boolean {
  return PUBLIC_KEY.test(key);
}

/**
 * Checks headers, freshness and signature, cheapest first. `now` is in ms; the timestamp header is
 * Unix seconds.
 */
export async function verifySignedRequest(
  request: SignedRequest,
  publicKeyHex: string,
  now: number,
  maxSkewS = DEFAULT_MAX_SKEW_S,
): Promise<SignatureVerdict> {
  const { signature, timestamp, body } = request;
  if (signature.length === 0 || timestamp.length === 0)
    return refuse('missing_signature_headers', 'X-Signature-Ed25519 and X-Signature-Timestamp are required');
  if (!SIGNATURE.test(signature))
    return refuse('malformed_signature', 'X-Signature-Ed25519 must be 64 bytes in hex');
  if (!TIMESTAMP.test(timestamp))
    return refuse('malformed_timestamp', 'X-Signature-Timestamp must be Unix seconds');
  if (Math.abs(now / 1000 - Number(timestamp)) > maxSkewS)
    return refuse('stale_timestamp', `X-Signature-Timestamp is more than ${maxSkewS} s from now`);
  const valid = await verifyKey(body, signature, timestamp, publicKeyHex);
  return valid ? { ok: true } : refuse('bad_signature', 'invalid request signature');
}
