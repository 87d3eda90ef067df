/**
 * Discord voice transport encryption, the two modes the voice gateway still accepts
 * (https://discord.com/developers/docs/topics/voice-connections#transport-encryption-modes):
 * `aead_aes256_gcm_rtpsize` and `aead_xchacha20_poly1305_rtpsize`. In both, the RTP header up to and
 * including the extension preamble is the clear additional data, the rest is sealed, and a 32-bit
 * big-endian counter is appended to the packet and placed at the start of an otherwise zero nonce.
 * XChaCha20 is HChaCha20 (below) + Node's IETF ChaCha20-Poly1305, so no extra library is needed here and the
 * fake stays independent of whatever library the client under test uses.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';

/** The modes offered in op 2 READY, preferred first. */
export const VOICE_ENCRYPTION_MODES = ['aead_aes256_gcm_rtpsize', 'aead_xchacha20_poly1305_rtpsize'] as const;
export type VoiceEncryptionMode = (typeof VOICE_ENCRYPTION_MODES)[number];

/** Modes Discord discontinued on 2024-11-18: a client selecting one is closed with 4016. */
export const LEGACY_ENCRYPTION_MODES = [
  'xsalsa20_poly1305',
  'xsalsa20_poly1305_suffix',
  'xsalsa20_poly1305_lite',
  'xsalsa20_poly1305_lite_rtpsize',
] as const;

const TAG_BYTES = 16;
const COUNTER_BYTES = 4;

export function isVoiceEncryptionMode(mode: unknown): mode is VoiceEncryptionMode {
  return (VOICE_ENCRYPTION_MODES as readonly unknown[]).includes(mode);
}

/** Failure to open a packet: wrong key, tampered bytes, or not an RTP packet at all. */
export class VoiceDecryptError extends Error {
  override name = 'VoiceDecryptError';
}

/**
 * The clear part of an RTP packet under the rtpsize rules (as SRTP, RFC 3711 §3.1): the 12-byte fixed
 * header, the CSRC list, and with the X bit the 4-byte extension preamble (not the extension's words).
 */
export function rtpClearHeaderLength(packet: Uint8Array): number {
  const first = packet[0] ?? 0;
  const csrcCount = first & 0x0f;
  const hasExtension = (first & 0x10) !== 0;
  return 12 + csrcCount * 4 + (hasExtension ? 4 : 0);
}

function nonceFor(mode: VoiceEncryptionMode, counter: number): Buffer {
  const nonce = Buffer.alloc(mode === 'aead_aes256_gcm_rtpsize' ? 12 : 24);
  nonce.writeUInt32BE(counter >>> 0, 0);
  return nonce;
}

function rotl(v: number, n: number): number {
  return ((v << n) | (v >>> (32 - n))) >>> 0;
}

function quarterRound(s: Uint32Array, a: number, b: number, c: number, d: number): void {
  s[a] = (s[a]! + s[b]!) >>> 0;
  s[d] = rotl(s[d]! ^ s[a]!, 16);
  s[c] = (s[c]! + s[d]!) >>> 0;
  s[b] = rotl(s[b]! ^ s[c]!, 12);
  s[a] = (s[a]! + s[b]!) >>> 0;
  s[d] = rotl(s[d]! ^ s[a]!, 8);
  s[c] = (s[c]! + s[d]!) >>> 0;
  s[b] = rotl(s[b]! ^ s[c]!, 7);
}

/** HChaCha20 (draft-irtf-cfrg-xchacha §2.2): the XChaCha20 subkey from the key and the nonce's first 16 bytes. */
export function hchacha20(key: Uint8Array, nonce16: Uint8Array): Buffer {
  const k = Buffer.from(key);
  const n = Buffer.from(nonce16);
  const s = new Uint32Array(16);
  s[0] = 0x61707865;
  s[1] = 0x3320646e;
  s[2] = 0x79622d32;
  s[3] = 0x6b206574;
  for (let i = 0; i < 8; i++) s[4 + i] = k.readUInt32LE(i * 4);
  for (let i = 0; i < 4; i++) s[12 + i] = n.readUInt32LE(i * 4);
  for (let round = 0; round < 10; round++) {
    quarterRound(s, 0, 4, 8, 12);
    quarterRound(s, 1, 5, 9, 13);
    quarterRound(s, 2, 6, 10, 14);
    quarterRound(s, 3, 7, 11, 15);
    quarterRound(s, 0, 5, 10, 15);
    quarterRound(s, 1, 6, 11, 12);
    quarterRound(s, 2, 7, 8, 13);
    quarterRound(s, 3, 4, 9, 14);
  }
  const out = Buffer.alloc(32);
  for (let i = 0; i < 4; i++) out.writeUInt32LE(s[i]!, i * 4);
  for (let i = 0; i < 4; i++) out.writeUInt32LE(s[12 + i]!, 16 + i * 4);
  return out;
}

/** The cipher for one packet: AES-256-GCM, or XChaCha20 as ChaCha20-Poly1305 under the HChaCha20 subkey. */
function cipherFor(mode: VoiceEncryptionMode, key: Uint8Array, nonce: Buffer) {
  if (mode === 'aead_aes256_gcm_rtpsize')
    return createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  const iv = Buffer.concat([Buffer.alloc(4), nonce.subarray(16, 24)]);
  return createCipheriv('chacha20-poly1305', hchacha20(key, nonce.subarray(0, 16)), iv, {
    authTagLength: TAG_BYTES,
  });
}

function decipherFor(mode: VoiceEncryptionMode, key: Uint8Array, nonce: Buffer) {
  if (mode === 'aead_aes256_gcm_rtpsize')
    return createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  const iv = Buffer.concat([Buffer.alloc(4), nonce.subarray(16, 24)]);
  return createDecipheriv('chacha20-poly1305', hchacha20(key, nonce.subarray(0, 16)), iv, {
    authTagLength: TAG_BYTES,
  });
}

/** Seals `payload` behind the clear `header`: `header | ciphertext | tag | counter(4, BE)`. */
export function sealRtp(
  mode: VoiceEncryptionMode,
  key: Uint8Array,
  header: Uint8Array,
  payload: Uint8Array,
  counter: number,
): Buffer {
  const nonce = nonceFor(mode, counter);
  const cipher = cipherFor(mode, key, nonce);
  cipher.setAAD(header);
  const sealed = Buffer.concat([cipher.update(payload), cipher.final()]);
  return Buffer.concat([header, sealed, cipher.getAuthTag(), nonce.subarray(0, COUNTER_BYTES)]);
}

/** An opened packet: the clear header, the plaintext (extension words still at its start) and the counter. */
export interface OpenedRtp {
  header: Buffer;
  plaintext: Buffer;
  counter: number;
}

/** Opens a packet sealed by `sealRtp` (or a Discord client); throws `VoiceDecryptError` when it does not authenticate. */
export function openRtp(mode: VoiceEncryptionMode, key: Uint8Array, packet: Uint8Array): OpenedRtp {
  const buf = Buffer.from(packet.buffer, packet.byteOffset, packet.byteLength);
  const headerLength = rtpClearHeaderLength(buf);
  if (buf.length < headerLength + TAG_BYTES + COUNTER_BYTES) throw new VoiceDecryptError('packet too short');
  const counter = buf.readUInt32BE(buf.length - COUNTER_BYTES);
  const header = buf.subarray(0, headerLength);
  const tag = buf.subarray(buf.length - COUNTER_BYTES - TAG_BYTES, buf.length - COUNTER_BYTES);
  const sealed = buf.subarray(headerLength, buf.length - COUNTER_BYTES - TAG_BYTES);
  try {
    const decipher = decipherFor(mode, key, nonceFor(mode, counter));
    decipher.setAAD(header);
    decipher.setAuthTag(tag);
    const plaintext = Buffer.concat([decipher.update(sealed), decipher.final()]);
    return { header: Buffer.from(header), plaintext, counter };
  } catch (cause) {
    throw new VoiceDecryptError(`${mode}: packet does not authenticate`, { cause });
  }
}

/** The Opus payload of an opened packet: the extension's words (when the X bit is set) stripped from the front. */
export function opusPayload(opened: OpenedRtp): Buffer {
  if ((opened.header[0]! & 0x10) === 0) return opened.plaintext;
  const words = opened.header.readUInt16BE(opened.header.length - 2);
  return opened.plaintext.subarray(words * 4);
}
