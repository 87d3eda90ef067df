/**
 * Playback chunk URLs for the voice host, signed with the functions Worker's own VOICE_PLAYBACK_SECRET:
 * the host fetches a URL it was handed (HMAC over the path and an expiry), so no shared secret travels
 * with blob fetches, and a leaked URL opens one chunk for minutes, never the host's control secret.
 */

import { fromHex, toHex } from '@promethean/shared/platform/hex-encoding';
import { HmacSha256 } from '@promethean/shared/platform/hmac-sha256';

/** How long a handed-out URL stays good: playback fetches it within seconds; retries within minutes. */
export const PLAYBACK_URL_TTL_MS = 15 * 60_000;
export const MIN_PLAYBACK_SECRET_CHARS = 16;

/** A signature as the signer writes it: 32 bytes in lower-case hex. */
function signatureBytes(hex: string): Uint8Array | undefined {
  return /^[0-9a-f]{64}$/.test(hex) ? fromHex(hex) : undefined;
}

const signedText = (pathname: string, expires: number) => `GET\n${pathname}\n${expires}`;

/** `url` with `expires` and `signature` query parameters added. */
export async function signPlaybackUrl(url: URL, secret: string, now: number): Promise<URL> {
  const expires = now + PLAYBACK_URL_TTL_MS;
  const mac = await new HmacSha256(secret).sign(signedText(url.pathname, expires));
  const signed = new URL(url);
  signed.search = new URLSearchParams({ expires: String(expires), signature: toHex(mac) }).toString();
  return signed;
}

export type PlaybackUrlVerdict = 'ok' | 'unsigned' | 'expired' | 'bad_signature';

/** Whether a request URL carries a valid, unexpired signature for its own path. */
export async function verifyPlaybackUrl(url: URL, secret: string, now: number): Promise<PlaybackUrlVerdict> {
  const expires = Number(url.searchParams.get('expires'));
  const signature = signatureBytes(url.searchParams.get('signature') ?? '');
  if (!Number.isSafeInteger(expires) || !signature) return 'unsigned';
  if (expires <= now || expires > now + PLAYBACK_URL_TTL_MS) return 'expired';
  const ok = await new HmacSha256(secret).verify(signature, signedText(url.pathname, expires));
  return ok ? 'ok' : 'bad_signature';
}
