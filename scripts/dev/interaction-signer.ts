/**
 * Ed25519 keys and signed interaction requests the way Discord sends them (signature over
 * `timestamp + body`, hex, in `X-Signature-Ed25519` / `X-Signature-Timestamp`). WebCrypto only, so
 * the same code runs in Node (dev stack, demo) and in workerd (tests).
 */

/** A keypair in portable form: the public key as Discord shows it (hex), the private key as PKCS#8 (base64). */
export interface InteractionKeyPair {
  public_key_hex: string;
  private_key_pkcs8_base64: string;
}

const toHex = (bytes: ArrayBuffer | Uint8Array) =>
  [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, '0')).join('');

function toBase64(bytes: ArrayBuffer): string {
  let text = '';
  for (const b of new Uint8Array(bytes)) text += String.fromCharCode(b);
  return btoa(text);
}

function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  const raw = atob(text);
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

/** A fresh Ed25519 keypair. */
export async function generateInteractionKeys(): Promise<InteractionKeyPair> {
  const pair = (await crypto.subtle.generateKey({ name: 'Ed25519' }, true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair;
  const raw = (await crypto.subtle.exportKey('raw', pair.publicKey)) as ArrayBuffer;
  const pkcs8 = (await crypto.subtle.exportKey('pkcs8', pair.privateKey)) as ArrayBuffer;
  return { public_key_hex: toHex(raw), private_key_pkcs8_base64: toBase64(pkcs8) };
}

/** Headers and body of a signed interaction request. */
export interface SignedInteraction {
  headers: Record<string, string>;
  body: string;
  signature: string;
  timestamp: string;
}

/** Signs `body` at `timestampS` (Unix seconds; default now) with the keypair's private key. */
export async function signInteraction(
  keys: Pick<InteractionKeyPair, 'private_key_pkcs8_base64'>,
  body: string,
  timestampS = Math.floor(Date.now() / 1000),
): Promise<SignedInteraction> {
  const key = await crypto.subtle.importKey(
    'pkcs8',
    fromBase64(keys.private_key_pkcs8_base64),
    { name: 'Ed25519' },
    false,
    ['sign'],
  );
  const timestamp = String(timestampS);
  const signature = toHex(
    await crypto.subtle.sign({ name: 'Ed25519' }, key, new TextEncoder().encode(timestamp + body)),
  );
  return {
    headers: {
      'content-type': 'application/json',
      'x-signature-ed25519': signature,
      'x-signature-timestamp': timestamp,
    },
    body,
    signature,
    timestamp,
  };
}
