import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { describe, expect, it } from 'vitest';
import {
  hchacha20,
  openRtp,
  opusPayload,
  rtpClearHeaderLength,
  sealRtp,
  VOICE_ENCRYPTION_MODES,
  VoiceDecryptError,
} from './voice-transport-crypto.ts';

const key = Buffer.from(Array.from({ length: 32 }, (_, i) => i));

function rtpHeader(extension = false): Buffer {
  const h = Buffer.alloc(extension ? 16 : 12);
  h[0] = extension ? 0x90 : 0x80;
  h[1] = 0x78;
  h.writeUInt16BE(4242, 2);
  h.writeUInt32BE(960_000, 4);
  h.writeUInt32BE(77, 8);
  if (extension) {
    h.writeUInt16BE(0xbede, 12);
    h.writeUInt16BE(1, 14);
  }
  return h;
}

describe('voice transport encryption', () => {
  it('computes the HChaCha20 test vector of draft-irtf-cfrg-xchacha §2.2.1', () => {
    const nonce = Buffer.from('000000090000004a0000000031415927', 'hex');
    expect(hchacha20(key, nonce).toString('hex')).toBe(
      '82413b4227b27bfed30e42508a877d73a0f9e4d58a74a853c12ec41326d3ecdc',
    );
  });

  it('seals XChaCha20-Poly1305 exactly as an independent library does', () => {
    const header = rtpHeader();
    const payload = Buffer.from('an opus frame, more or less');
    const sealed = sealRtp('aead_xchacha20_poly1305_rtpsize', key, header, payload, 0x01020304);
    const nonce = Buffer.alloc(24);
    nonce.writeUInt32BE(0x01020304, 0);
    const expected = xchacha20poly1305(key, nonce, header).encrypt(payload);
    expect(sealed.subarray(12, sealed.length - 4).equals(Buffer.from(expected))).toBe(true);
    expect(sealed.subarray(sealed.length - 4).toString('hex')).toBe('01020304');
  });

  for (const mode of VOICE_ENCRYPTION_MODES) {
    it(`${mode}: round-trips, keeps the header clear and refuses a tampered byte`, () => {
      const header = rtpHeader();
      const payload = Buffer.from([0xfc, 0xff, 0xfe, 1, 2, 3]);
      const sealed = sealRtp(mode, key, header, payload, 7);
      expect(sealed.subarray(0, 12).equals(header)).toBe(true);
      expect(sealed.length).toBe(12 + payload.length + 16 + 4);
      const opened = openRtp(mode, key, sealed);
      expect(opened.counter).toBe(7);
      expect(opusPayload(opened).equals(payload)).toBe(true);
      const tampered = Buffer.from(sealed);
      tampered[3] = (tampered[3]! + 1) & 0xff; // the sequence number is authenticated data
      expect(() => openRtp(mode, key, tampered)).toThrow(VoiceDecryptError);
      expect(() => openRtp(mode, Buffer.alloc(32), sealed)).toThrow(VoiceDecryptError);
    });

    it(`${mode}: with a header extension only its preamble is clear; its words are sealed and stripped`, () => {
      const header = rtpHeader(true);
      expect(rtpClearHeaderLength(header)).toBe(16);
      const words = Buffer.from([0x10, 0xaa, 0, 0]);
      const opus = Buffer.from([0xf8, 0xff, 0xfe]);
      const sealed = sealRtp(mode, key, header, Buffer.concat([words, opus]), 1);
      expect(opusPayload(openRtp(mode, key, sealed)).equals(opus)).toBe(true);
    });
  }
});
