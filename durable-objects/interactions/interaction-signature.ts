/**
 * Verifies a signed interaction before anything reads it: Ed25519 over `timestamp + raw body`
 * (Discord's scheme, which the echo provider shares), checked with `discord-interactions`' `verifyKey`
 * on the raw bytes, plus a timestamp freshness window, which `verifyKey` does not enforce.
 */

import { fromHex } from '@promethean/shared/platform/hex-encoding';
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

/**
 * Imported public keys per isolate, by their hex (lower case). Importing costs a `subtle.importKey` per
 * request (1.7 % of the access isolate's busy samples in the session-18 profile) for the same few
 * bytes every time; a `CryptoKey` is immutable and derived from nothing but those bytes, so a cached one
 * verifies exactly as a fresh import would. A key that fails to import is not kept.
 */
const importedKeys = new Map<string, Promise<CryptoKey>>();
/** Tenants per isolate are few; past this the cache starts over rather than grow without bound. */
const MAX_CACHED_KEYS = 64;

/** The imported Ed25519 key for `publicKeyHex` (which `isPublicKeyHex` accepted), once per isolate. */
export function importedPublicKey(publicKeyHex: string): Promise<CryptoKey> {
  const id = publicKeyHex.toLowerCase();
  const known = importedKeys.get(id);
  if (known) return known;
  if (importedKeys.size >= MAX_CACHED_KEYS) importedKeys.clear();
  const imported = crypto.subtle.importKey(
    'raw',
    fromHex(id) as Uint8Array<ArrayBuffer>,
    { name: 'Ed25519' },
    false,
    ['verify'],
  );
  importedKeys.set(id, imported);
  imported.catch(() => importedKeys.delete(id));
  return imported;
}

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
  // An unusable key is a refusal, as `verifyKey` itself answers false for it.
  const key = await importedPublicKey(publicKeyHex).catch(() => undefined);
  const valid = key !== undefined && (await verifyKey(body, signature, timestamp, key));
  return valid ? { ok: true } : refuse('bad_signature', 'invalid request signature');
}
