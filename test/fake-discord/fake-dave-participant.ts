/**
 * A fake person's own DAVE identity: a participant MLS session (@snazzah/davey, the implementation
 * @discordjs/voice uses) with its own P-256 key, driven by the voice server in-process the way a client's
 * voice gateway drives it (ops 25–31), and the frame encryption of what the person says and hears.
 */
import davey from '@snazzah/davey';
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

  executeTransition(_transitionId: number): void {
    // davey moves its ratchets when the commit/welcome is processed; nothing is left to switch here.
  }

  /** Frame encryption for sending; Opus silence stays clear, as @discordjs/voice does. */
  encrypt(opus: Buffer): Buffer {
    if (!this.#session.ready || opus.equals(OPUS_SILENCE)) return opus;
    return this.#session.encryptOpus(opus);
  }

  /** Frame decryption of what `from` sent; null when it fails (counted). */
  decrypt(from: string, frame: Buffer): Buffer | null {
    if (!this.#session.ready || frame.equals(OPUS_SILENCE)) return frame;
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
    if (transitionId !== 0) this.#replies.transitionReady(this.userId, transitionId);
  }
}
