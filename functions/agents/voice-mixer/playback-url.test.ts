import { describe, expect, it } from 'vitest';
import { PLAYBACK_URL_TTL_MS, signPlaybackUrl, verifyPlaybackUrl } from './playback-url.ts';

const SECRET = 'playback-secret-0123456789';
const NOW = Date.UTC(2026, 11, 2);
const chunk = new URL('https://functions.example/voice/blobs/discord/duck/voice/tts/abc/0.pcm');

describe('playback URLs', () => {
  it('verifies its own signature until it expires', async () => {
    const signed = await signPlaybackUrl(chunk, SECRET, NOW);
    expect(signed.pathname).toBe(chunk.pathname);
    expect(signed.toString()).not.toContain(SECRET);
    expect(await verifyPlaybackUrl(signed, SECRET, NOW + 1000)).toBe('ok');
    expect(await verifyPlaybackUrl(signed, SECRET, NOW + PLAYBACK_URL_TTL_MS)).toBe('expired');
  });

  it('refuses another path, another secret, a moved expiry and an unsigned URL', async () => {
    const signed = await signPlaybackUrl(chunk, SECRET, NOW);
    const other = new URL(signed);
    other.pathname = '/voice/blobs/discord/duck/voice/tts/other/0.pcm';
    expect(await verifyPlaybackUrl(other, SECRET, NOW)).toBe('bad_signature');
    expect(await verifyPlaybackUrl(signed, `${SECRET}-x`, NOW)).toBe('bad_signature');
    const moved = new URL(signed);
    moved.searchParams.set('expires', String(NOW + 60_000));
    expect(await verifyPlaybackUrl(moved, SECRET, NOW)).toBe('bad_signature');
    expect(await verifyPlaybackUrl(chunk, SECRET, NOW)).toBe('unsigned');
  });
});
