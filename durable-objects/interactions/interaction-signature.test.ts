import { beforeAll, describe, expect, it } from 'vitest';
import {
  generateInteractionKeys,
  type InteractionKeyPair,
  signInteraction,
} from '../../scripts/dev/interaction-signer.ts';
import { importedPublicKey, verifySignedRequest } from './interaction-signature.ts';

let keys: InteractionKeyPair;
let otherKeys: InteractionKeyPair;
beforeAll(async () => {
  [keys, otherKeys] = await Promise.all([generateInteractionKeys(), generateInteractionKeys()]);
});

const signed = async (pair: InteractionKeyPair, body: string, nowS: number) => {
  const s = await signInteraction(pair, body, nowS);
  return { signature: s.signature, timestamp: s.timestamp, body: new TextEncoder().encode(body) };
};

describe('importedPublicKey', () => {
  it('imports a key once per isolate, whatever the case of its hex', async () => {
    const first = importedPublicKey(keys.public_key_hex);
    expect(importedPublicKey(keys.public_key_hex.toUpperCase())).toBe(first);
    expect(importedPublicKey(otherKeys.public_key_hex)).not.toBe(first);
    expect((await first).type).toBe('public');
  });

  it('verifies with the cached key as with a fresh one, and refuses another key’s signature', async () => {
    const now = 1_700_000_000_000;
    const request = await signed(keys, '{"type":1}', now / 1000);
    for (let i = 0; i < 2; i++) {
      expect(await verifySignedRequest(request, keys.public_key_hex, now)).toEqual({ ok: true });
      expect(await verifySignedRequest(request, otherKeys.public_key_hex, now)).toMatchObject({
        ok: false,
        reason: 'bad_signature',
      });
    }
    const forged = await signed(otherKeys, '{"type":1}', now / 1000);
    expect(await verifySignedRequest(forged, keys.public_key_hex, now)).toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
  });
});
