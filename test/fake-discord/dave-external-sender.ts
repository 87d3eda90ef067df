/**
 * The voice server as DAVE's MLS external sender (https://daveprotocol.com/#dave_mls_external_sender_package-25):
 * a P-256 signing key and basic credential announced in op 25, and the Add/Remove proposals it signs for
 * every join and leave (RFC 9420 §12.1.8: PublicMessage, sender `external` index 0, no membership tag,
 * signature over FramedContentTBS without group context). DAVE protocol version 1 = ciphersuite 2
 * (DHKEMP256_AES128GCM_SHA256_P256), so signatures are ECDSA P-256 / SHA-256, DER-encoded.
 */
import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { MLS, MlsWriter, signContent } from './mls-wire.ts';

/** Discord's channel id is the MLS group id, as a big-endian u64. */
export function daveGroupId(channelId: string): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(channelId));
  return b;
}

export class DaveExternalSender {
  readonly #privateKey: KeyObject;
  readonly #publicKey: Buffer;
  readonly #identity: Buffer;

  constructor(identity = 'fake-voice-server') {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    this.#privateKey = privateKey;
    const jwk = publicKey.export({ format: 'jwk' });
    // SignaturePublicKey for P-256 is the uncompressed SEC1 point.
    this.#publicKey = Buffer.concat([
      Buffer.from([4]),
      Buffer.from(jwk.x ?? '', 'base64url'),
      Buffer.from(jwk.y ?? '', 'base64url'),
    ]);
    this.#identity = Buffer.from(identity, 'utf8');
  }

  /** op 25's payload: `ExternalSender { signature_key<V>; Credential credential; }`. */
  package(): Buffer {
    return new MlsWriter().vector(this.#publicKey).u16(MLS.credentialBasic).vector(this.#identity).bytes();
  }

  /** An external Add of `keyPackage` (a client's op 26, a serialized KeyPackage) for the group at `epoch`. */
  add(groupId: Buffer, epoch: bigint, keyPackage: Buffer): Buffer {
    return this.#proposal(groupId, epoch, new MlsWriter().u16(MLS.proposalAdd).raw(keyPackage).bytes());
  }

  /** An external Remove of the member at `leaf`. */
  remove(groupId: Buffer, epoch: bigint, leaf: number): Buffer {
    return this.#proposal(groupId, epoch, new MlsWriter().u16(MLS.proposalRemove).u32(leaf).bytes());
  }

  #proposal(groupId: Buffer, epoch: bigint, proposal: Buffer): Buffer {
    const framed = new MlsWriter()
      .vector(groupId)
      .u64(epoch)
      .u8(MLS.senderExternal)
      .u32(0)
      .vector(Buffer.alloc(0)) // authenticated_data
      .u8(MLS.contentProposal)
      .raw(proposal)
      .bytes();
    const tbs = new MlsWriter().u16(MLS.version10).u16(MLS.wirePublicMessage).raw(framed).bytes();
    const signature = sign('sha256', signContent('FramedContentTBS', tbs), this.#privateKey);
    return new MlsWriter()
      .u16(MLS.version10)
      .u16(MLS.wirePublicMessage)
      .raw(framed)
      .vector(signature)
      .bytes();
  }
}
