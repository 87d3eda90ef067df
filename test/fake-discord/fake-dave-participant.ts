/**
 * A fake person's own DAVE identity: a participant MLS session (@snazzah/davey, the implementation
 * @discordjs/voice uses) with its own P-256 key, driven by the voice server in-process the way a client's
 * voice gateway drives it (ops 21–31), and the frame encryption of what the person says and hears.
 *
 * Protocol-version transitions follow the whitepaper's sender rule: a sender changes mode only when the
 * transition executes (op 22). On a downgrade (op 21, version 0) the person accepts clear frames from then
 * on and sends clear after op 22; on an upgrade (op 24) it re-initialises and keeps sending clear until the
 * new group's transition executes.
 */
import davey from '@snazzah/davey';
import { isDaveFrame } from './dave-frame.ts';
import type { DaveMemberLink } from './dave-group-relay.ts';
import { OPUS_SILENCE } from './fake-voice-person.ts';

/** What the participant sends back to the voice server (ops 26, 28, 23). */
export interface DaveParticipantReplies {
  keyPackage(userId: string, keyPackage: Buffer): void;
  commitWelcome(userId: string, payload: Buffer): void;
  transitionReady(userId: string, transitionId: number): void;
  /** Connected user ids, as CLIENTS_CONNECT told the person (checked against add proposals). */
  recognizedUserIds(): string[];
}

const PROTOCOL_VERSION = 1;
const AUDIO = 0;

export class FakeDaveParticipant implements DaveMemberLink {
  readonly userId: string;
  readonly #session: davey.DAVESession;
  readonly #replies: DaveParticipantReplies;
  readonly #channelId: string;
  /** Frames that failed end-to-end decryption (the sender's key unknown or wrong). */
  decryptFailures = 0;
  /** Commits or welcomes this participant could not process (op 31 territory). */
  invalidTransitions = 0;
  #protocolVersion = PROTOCOL_VERSION;
  /** Prepared transitions: id → the protocol version op 22 switches to. */
  readonly #pending = new Map<number, number>();
  /** Whether what the person says is end-to-end encrypted (once ready, and not mid-upgrade). */
  #sendE2ee = true;
  #hasSender = false;

  constructor(userId: string, channelId: string, replies: DaveParticipantReplies) {
    this.userId = userId;
    this.#channelId = channelId;
    this.#replies = replies;
    this.#session = new davey.DAVESession(PROTOCOL_VERSION, userId, channelId);
  }

  /** Ready once a commit or welcome put the person in the group: frames are encrypted from then on. */
  get ready(): boolean {
    return this.#session.ready;
  }

  get epoch(): bigint | null {
    return this.#session.epoch;
  }

  get ownLeafIndex(): number | null {
    return this.#session.ownLeafIndex;
  }

  get privacyCode(): string {
    return this.#session.voicePrivacyCode;
  }

  externalSender(pkg: Buffer): void {
    this.#session.setExternalSender(pkg);
    this.#hasSender = true;
    this.#replies.keyPackage(this.userId, this.#session.getSerializedKeyPackage());
  }

  proposals(payload: Buffer): void {
    const { commit, welcome } = this.#session.processProposals(
      payload.readUInt8(0),
      payload.subarray(1),
      this.#replies.recognizedUserIds(),
    );
    if (commit === undefined) return;
    this.#replies.commitWelcome(this.userId, welcome ? Buffer.concat([commit, welcome]) : commit);
  }

  announceCommit(transitionId: number, commit: Buffer): void {
    this.#joined(transitionId, () => this.#session.processCommit(commit));
  }

  welcome(transitionId: number, welcome: Buffer): void {
    this.#joined(transitionId, () => this.#session.processWelcome(welcome));
  }

  get protocolVersion(): number {
    return this.#protocolVersion;
  }

  /** Transitions prepared and not yet executed (a client with one pending stops counting decrypt failures). */
  get pendingTransitions(): number {
    return this.#pending.size;
  }

  prepareTransition(transitionId: number, protocolVersion: number): void {
    this.#pending.set(transitionId, protocolVersion);
    // Other senders may switch to clear before this person executes: accept clear frames from now on.
    if (protocolVersion === 0) this.#session.setPassthroughMode(true, 120);
    if (transitionId === 0) this.executeTransition(transitionId);
    else this.#replies.transitionReady(this.userId, transitionId);
  }

  executeTransition(transitionId: number): void {
    const version = this.#pending.get(transitionId);
    if (version === undefined) return;
    this.#pending.delete(transitionId);
    this.#protocolVersion = version;
    // davey already moved its receive ratchets with the commit; the sender switches here.
    this.#sendE2ee = version > 0;
  }

  prepareEpoch(epoch: number, protocolVersion: number): void {
    if (epoch !== 1) return;
    this.#protocolVersion = protocolVersion;
    this.#sendE2ee = false;
    this.#session.reinit(protocolVersion, this.userId, this.#channelId);
    // Without the external sender yet (joined at version 0), the key package follows op 25.
    if (this.#hasSender) this.#replies.keyPackage(this.userId, this.#session.getSerializedKeyPackage());
  }

  /** Frame encryption for sending; Opus silence stays clear, as @discordjs/voice does. */
  encrypt(opus: Buffer): Buffer {
    if (this.#protocolVersion === 0 || !this.#sendE2ee || !this.#session.ready || opus.equals(OPUS_SILENCE))
      return opus;
    return this.#session.encryptOpus(opus);
  }

  /**
   * Frame decryption of what `from` sent; null when it fails (counted). A clear frame passes as is: whether
   * it was allowed in the channel's phase is the voice server's audit, not the listener's.
   */
  decrypt(from: string, frame: Buffer): Buffer | null {
    if (frame.equals(OPUS_SILENCE) || !isDaveFrame(frame)) return frame;
    if (!this.#session.ready) {
      this.decryptFailures += 1;
      return null;
    }
    try {
      return this.#session.decrypt(from, AUDIO, frame);
    } catch {
      this.decryptFailures += 1;
      return null;
    }
  }

  #joined(transitionId: number, process: () => void): void {
    try {
      process();
    } catch {
      // As a client would: report the transition invalid (op 31) by re-initialising with a new key package.
      this.invalidTransitions += 1;
      this.#session.reinit(PROTOCOL_VERSION, this.userId, this.#channelId);
      this.#replies.keyPackage(this.userId, this.#session.getSerializedKeyPackage());
      return;
    }
    if (transitionId === 0) {
      this.#sendE2ee = true;
      return;
    }
    this.#pending.set(transitionId, this.#protocolVersion);
    this.#replies.transitionReady(this.userId, transitionId);
  }
}
