/**
 * HMAC-SHA-256 over text with a text secret, through WebCrypto so it runs in Workers and Node alike.
 * Callers keep their own encodings (cookie base64url, URL hex); this owns the key and the constant-time
 * check, so no caller compares MACs by hand.
 */
const encoder = new TextEncoder();

export class HmacSha256 {
  private readonly key: Promise<CryptoKey>;

  constructor(secret: string) {
    this.key = crypto.subtle.importKey(
      'raw',
      encoder.encode(secret),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign', 'verify'],
    );
  }

  async sign(text: string): Promise<Uint8Array> {
    return new Uint8Array(await crypto.subtle.sign('HMAC', await this.key, encoder.encode(text)));
  }

  /** subtle.verify compares in constant time. */
  async verify(signature: Uint8Array, text: string): Promise<boolean> {
    return crypto.subtle.verify('HMAC', await this.key, signature, encoder.encode(text));
  }
}
