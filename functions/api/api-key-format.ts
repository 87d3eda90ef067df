/**
 * The `/v1` API key format: `pe_<key id>_<secret>`. Only the SHA-256 of the whole key is stored, so a
 * leaked key table cannot be replayed; the key id is the public handle operators list and revoke by.
 */

import { createHash } from 'node:crypto';
import { toHex } from '@promethean/shared/platform/hex-encoding';

/** What a stored key grants: one provider+tenant, optionally narrowed to some channels. */
export interface ApiKeyScope {
  provider: string;
  tenant: string;
  /** When present, only these channel foreign ids are visible through the key. */
  channels?: string[];
}

/** A key as stored and listed (never the secret). */
export interface ApiKeyRecord extends ApiKeyScope {
  key_id: string;
  label: string;
  created_at: string;
  revoked_at?: string;
}

const KEY_PATTERN = /^pe_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

function base64Url(bytes: Uint8Array): string {
  let text = '';
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

/** A fresh key: 64 bits of id, 256 bits of secret, from the platform's CSPRNG. */
export function generateApiKey(): { keyId: string; key: string } {
  const keyId = toHex(crypto.getRandomValues(new Uint8Array(8)));
  return { keyId, key: `pe_${keyId}_${base64Url(crypto.getRandomValues(new Uint8Array(32)))}` };
}

/** The key id of a well-formed key, or undefined for anything else (never looked up). */
export function apiKeyId(key: string): string | undefined {
  return KEY_PATTERN.exec(key)?.[1];
}

/**
 * The stored form of a key: hex SHA-256 of its full text. Hashed in line (node:crypto, nodejs_compat in
 * workerd): every /v1 request hashes its key, and Web Crypto's digest in Node goes through the thread pool,
 * whose round trip was the largest tail in the HTTP bridge's time to first token (docs/benchmarks.md).
 */
export async function hashApiKey(key: string): Promise<string> {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** Whether a scope lets its holder see a channel. */
export function scopeAllowsChannel(scope: ApiKeyScope, channelId: string): boolean {
  return scope.channels === undefined || scope.channels.includes(channelId);
}
