/**
 * The slice of the MLS wire format (RFC 9420 §2.1 TLS presentation language, QUIC-style varint vector
 * lengths) the fake voice server needs as DAVE's external sender: writing the ExternalSender and signed
 * external proposals, and reading a client's op 28 far enough to split the commit from the welcome.
 * Participants do the real MLS (group state, HPKE, key schedule) with @snazzah/davey.
 */

/** MLS wire formats and enums used here (RFC 9420 §6, §12.1, §17). */
export const MLS = {
  version10: 1,
  wirePublicMessage: 1,
  senderMember: 1,
  senderExternal: 2,
  senderNewMemberProposal: 3,
  senderNewMemberCommit: 4,
  contentApplication: 1,
  contentProposal: 2,
  contentCommit: 3,
  proposalAdd: 1,
  proposalRemove: 3,
  credentialBasic: 1,
  leafSourceKeyPackage: 1,
  leafSourceUpdate: 2,
  leafSourceCommit: 3,
} as const;

/** The message did not parse as the MLS structure expected. */
export class MlsDecodeError extends Error {
  override readonly name = 'MlsDecodeError';
}

/** Appends TLS-encoded fields. */
export class MlsWriter {
  readonly #parts: Buffer[] = [];

  u8(v: number): this {
    this.#parts.push(Buffer.from([v]));
    return this;
  }

  u16(v: number): this {
    const b = Buffer.alloc(2);
    b.writeUInt16BE(v);
    this.#parts.push(b);
    return this;
  }

  u32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(v >>> 0);
    this.#parts.push(b);
    return this;
  }

  u64(v: bigint): this {
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(v);
    this.#parts.push(b);
    return this;
  }

  raw(bytes: Uint8Array): this {
    this.#parts.push(Buffer.from(bytes));
    return this;
  }

  /** `opaque x<V>`: a varint length, then the bytes. */
  vector(bytes: Uint8Array): this {
    this.#parts.push(encodeVarint(bytes.byteLength), Buffer.from(bytes));
    return this;
  }

  bytes(): Buffer {
    return Buffer.concat(this.#parts);
  }
}

/** RFC 9420 §2.1.2: 1, 2 or 4 bytes with the length of the length in the top two bits. */
export function encodeVarint(n: number): Buffer {
  if (n < 0x40) return Buffer.from([n]);
  if (n < 0x4000) return Buffer.from([0x40 | (n >> 8), n & 0xff]);
  if (n < 0x4000_0000) {
    const b = Buffer.alloc(4);
    b.writeUInt32BE((0x8000_0000 | n) >>> 0);
    return b;
  }
  throw new MlsDecodeError(`vector too long: ${n}`);
}

/** Reads TLS-encoded fields from a buffer, throwing `MlsDecodeError` past its end. */
export class MlsReader {
  readonly #b: Buffer;
  offset: number;

  constructor(b: Buffer, offset = 0) {
    this.#b = b;
    this.offset = offset;
  }

  get remaining(): number {
    return this.#b.length - this.offset;
  }

  #need(n: number): void {
    if (this.offset + n > this.#b.length) throw new MlsDecodeError('truncated MLS message');
  }

  u8(): number {
    this.#need(1);
    return this.#b.readUInt8(this.offset++);
  }

  u16(): number {
    this.#need(2);
    const v = this.#b.readUInt16BE(this.offset);
    this.offset += 2;
    return v;
  }

  u32(): number {
    this.#need(4);
    const v = this.#b.readUInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  u64(): bigint {
    this.#need(8);
    const v = this.#b.readBigUInt64BE(this.offset);
    this.offset += 8;
    return v;
  }

  varint(): number {
    const first = this.u8();
    const prefix = first >> 6;
    if (prefix === 0) return first & 0x3f;
    if (prefix === 1) return ((first & 0x3f) << 8) | this.u8();
    if (prefix === 2) {
      this.#need(3);
      const rest = this.#b.readUIntBE(this.offset, 3);
      this.offset += 3;
      return (first & 0x3f) * 0x100_0000 + rest;
    }
    throw new MlsDecodeError('invalid varint prefix');
  }

  vector(): Buffer {
    const n = this.varint();
    this.#need(n);
    const v = this.#b.subarray(this.offset, this.offset + n);
    this.offset += n;
    return v;
  }
}

/** `SignWithLabel`'s content (RFC 9420 §5.1.2): `"MLS 1.0 " + label` and the content, both as vectors. */
export function signContent(label: string, content: Uint8Array): Buffer {
  return new MlsWriter()
    .vector(Buffer.from(`MLS 1.0 ${label}`, 'utf8'))
    .vector(content)
    .bytes();
}

/** What the server learns from a client's commit: which leaf committed, in which epoch. */
export interface CommitSummary {
  readonly groupId: Buffer;
  readonly epoch: bigint;
  readonly committerLeaf: number;
  /** The MLSMessage carrying the commit, exactly as sent (to announce with op 29). */
  readonly commit: Buffer;
  /** The Welcome that followed it, if the commit added members (to hand them with op 30). */
  readonly welcome: Buffer | null;
}

function skipLeafNode(r: MlsReader): void {
  r.vector(); // encryption_key
  r.vector(); // signature_key
  const credentialType = r.u16();
  r.vector(); // basic: identity; x509: certificates (a vector either way)
  if (credentialType !== MLS.credentialBasic && credentialType !== 2) {
    throw new MlsDecodeError(`unknown credential type ${credentialType}`);
  }
  for (let i = 0; i < 5; i++) r.vector(); // capabilities: versions, suites, extensions, proposals, credentials
  const source = r.u8();
  if (source === MLS.leafSourceKeyPackage) {
    r.u64();
    r.u64();
  } else if (source === MLS.leafSourceCommit) {
    r.vector(); // parent_hash
  } else if (source !== MLS.leafSourceUpdate) {
    throw new MlsDecodeError(`unknown leaf node source ${source}`);
  }
  r.vector(); // extensions
  r.vector(); // signature
}

/**
 * Splits op 28's `commit | optional welcome`: walks the PublicMessage holding the commit (framed content,
 * optional update path, auth data, membership tag) to find where it ends.
 */
export function splitCommitWelcome(payload: Buffer): CommitSummary {
  const r = new MlsReader(payload);
  if (r.u16() !== MLS.version10) throw new MlsDecodeError('not MLS 1.0');
  if (r.u16() !== MLS.wirePublicMessage) throw new MlsDecodeError('commit is not a PublicMessage');
  const groupId = r.vector();
  const epoch = r.u64();
  const senderType = r.u8();
  if (senderType !== MLS.senderMember) throw new MlsDecodeError(`commit sender type ${senderType}`);
  const committerLeaf = r.u32();
  r.vector(); // authenticated_data
  if (r.u8() !== MLS.contentCommit) throw new MlsDecodeError('content is not a commit');
  r.vector(); // proposals (ProposalOrRef, by reference for DAVE)
  const hasPath = r.u8();
  if (hasPath === 1) {
    skipLeafNode(r);
    r.vector(); // UpdatePathNode nodes
  } else if (hasPath !== 0) {
    throw new MlsDecodeError('bad optional<UpdatePath>');
  }
  r.vector(); // signature
  r.vector(); // confirmation_tag
  r.vector(); // membership_tag (member sender)
  const end = r.offset;
  return {
    groupId,
    epoch,
    committerLeaf,
    commit: payload.subarray(0, end),
    welcome: end < payload.length ? payload.subarray(end) : null,
  };
}
