/**
 * The voice server's side of DAVE for one voice channel (https://daveprotocol.com): it hands every
 * DAVE-capable member the external sender (op 25), collects key packages (op 26), proposes adds and
 * removes as the external sender (op 27), takes the first valid commit of each round (op 28), announces
 * it to the group (op 29) and welcomes the added members (op 30), then runs the transition (op 23 ready
 * from every member → op 22 execute). One round at a time; joins and leaves during a round wait for the
 * next. The server never holds group secrets: it only tracks the epoch and who sits at which leaf, by
 * RFC 9420's rules (removes blank leaves and trailing blanks are truncated; each add takes the leftmost
 * blank leaf or extends the tree).
 *
 * Protocol-version transitions (https://daveprotocol.com/#protocol-transitions): a downgrade to version 0
 * (a member without DAVE joined) is op 21 `prepare_transition` with version 0 to every DAVE member, op 23
 * ready from each, then op 22 execute: from then on media is transport-only and the group is gone. The
 * upgrade back is op 24 `prepare_epoch` (epoch 1: a new group) to every member; they re-initialise and send
 * key packages, the group is founded again under a non-zero transition id, and its op 22 switches media back
 * to end-to-end encryption.
 */
import { type DaveExternalSender, daveGroupId } from './dave-external-sender.ts';
import { DaveMediaModeAudit, type DavePhase } from './dave-media-mode-audit.ts';
import { encodeVarint, MlsDecodeError, splitCommitWelcome } from './mls-wire.ts';

/** How the relay reaches one member: a client's WebSocket, or a fake person in-process. */
export interface DaveMemberLink {
  readonly userId: string;
  externalSender(pkg: Buffer): void;
  /** op 27 payload: `operation_type(1) | proposal_messages<V>`. */
  proposals(payload: Buffer): void;
  announceCommit(transitionId: number, commit: Buffer): void;
  welcome(transitionId: number, welcome: Buffer): void;
  executeTransition(transitionId: number): void;
  /** op 21: get ready to switch to `protocolVersion` (0 = transport-only) at op 22; answer op 23. */
  prepareTransition(transitionId: number, protocolVersion: number): void;
  /** op 24 with epoch 1: a new group is being created under `protocolVersion`; re-initialise. */
  prepareEpoch(epoch: number, protocolVersion: number): void;
}

const APPEND = 0;

interface Round {
  readonly epoch: bigint;
  readonly founding: boolean;
  readonly recipients: Set<string>;
  readonly adds: string[];
  readonly removes: number[];
  /** The key packages proposed, put back if the round is abandoned (its committers all left). */
  readonly keyPackages?: Map<string, Buffer>;
}

export class DaveGroupRelay {
  readonly channelId: string;
  readonly #sender: DaveExternalSender;
  readonly #groupId: Buffer;
  readonly #links = new Map<string, DaveMemberLink>();
  readonly #keyPackages = new Map<string, Buffer>();
  /** userId per leaf of the established group; empty while there is none. */
  #leaves: (string | null)[] = [];
  #epoch = 0n;
  #round: Round | null = null;
  #nextTransition = 1;
  readonly #awaitingReady = new Map<number, Set<string>>();
  /** Commits announced (each one an MLS epoch change). */
  epochChanges = 0;
  /** op 28 messages that did not parse, or came for a finished round. */
  rejectedCommits = 0;
  readonly #epochListeners = new Set<(epoch: bigint) => void>();
  #phase: DavePhase = 'e2ee';
  /** The downgrade's or the upgrade's transition id while one is in flight. */
  #versionTransition: number | null = null;
  /** Members that hold the external sender (one that joined at version 0 gets it with the upgrade). */
  readonly #hasSender = new Set<string>();
  /** Protocol-version transitions executed (downgrades and upgrades). */
  versionTransitions = 0;
  /** Every media frame's mode, checked against the phase it was sent in. */
  readonly audit = new DaveMediaModeAudit();

  constructor(channelId: string, sender: DaveExternalSender) {
    this.channelId = channelId;
    this.#sender = sender;
    this.#groupId = daveGroupId(channelId);
  }

  /** The group's current epoch (0 before the group exists). */
  get epoch(): bigint {
    return this.#epoch;
  }

  /** Members of the established group, by leaf (null = blank leaf). */
  get leaves(): readonly (string | null)[] {
    return this.#leaves;
  }

  /** Where the channel is: E2EE, transport-only, or switching between them. */
  get phase(): DavePhase {
    return this.#phase;
  }

  /** The DAVE protocol version a client described now gets (0 once downgraded, until the upgrade starts). */
  get protocolVersion(): number {
    return this.#phase === 'plain' || this.#phase === 'downgrading' ? 0 : 1;
  }

  /** Records one frame from `sender` (as sent, before DAVE decryption) against the current phase. */
  mediaFrame(sender: string, payload: Buffer): void {
    this.audit.frame(sender, payload, this.#phase);
  }

  /**
   * A member without DAVE joined: every DAVE member prepares the switch to version 0 (op 21), and once all
   * are ready (op 23) op 22 executes it. Rounds in flight are dropped: the group ends with the transition.
   */
  downgrade(): void {
    if (this.#phase === 'plain' || this.#phase === 'downgrading') return;
    this.#executeInFlight();
    this.#phase = 'downgrading';
    this.#abandonRound();
    this.#keyPackages.clear();
    const id = this.#nextTransition++;
    this.#versionTransition = id;
    this.#awaitingReady.set(id, new Set(this.#links.keys()));
    for (const l of this.#links.values()) l.prepareTransition(id, 0);
    this.#maybeExecute(id);
  }

  /**
   * Every member can run DAVE again: op 24 (epoch 1) has each re-initialise and send a key package, and
   * the group is founded anew under a non-zero transition id (media is flowing, so the switch waits for op 22).
   */
  upgrade(): void {
    if (this.#phase === 'e2ee' || this.#phase === 'upgrading') return;
    // Back up before everyone was ready for the downgrade: it is executed first.
    if (this.#phase === 'downgrading') this.#executeInFlight();
    this.#phase = 'upgrading';
    this.#leaves = [];
    this.#epoch = 0n;
    this.#keyPackages.clear();
    for (const l of this.#links.values()) {
      l.prepareEpoch(1, 1);
      if (!this.#hasSender.has(l.userId)) this.#giveSender(l);
    }
    this.#pump();
  }

  /** Calls `listener` after every announced commit; returns the unsubscribe function. */
  onEpoch(listener: (epoch: bigint) => void): () => void {
    this.#epochListeners.add(listener);
    return () => this.#epochListeners.delete(listener);
  }

  /** A member negotiated DAVE (session description sent, or a person joined): give it the external sender. */
  join(link: DaveMemberLink): void {
    if (this.#links.has(link.userId)) this.leave(link.userId);
    this.#links.set(link.userId, link);
    if (this.protocolVersion >= 1) this.#giveSender(link);
  }

  #giveSender(link: DaveMemberLink): void {
    this.#hasSender.add(link.userId);
    link.externalSender(this.#sender.package());
  }

  /** A member left the channel: it is proposed for removal (or forgotten, if it never got in). */
  leave(userId: string): void {
    this.#links.delete(userId);
    this.#hasSender.delete(userId);
    this.#keyPackages.delete(userId);
    for (const [id, waiting] of this.#awaitingReady) {
      waiting.delete(userId);
      this.#maybeExecute(id);
    }
    if (!this.#leaves.some((u) => u !== null && this.#links.has(u))) {
      // Nobody is left in the group: the next members found a new one.
      this.#leaves = [];
      this.#epoch = 0n;
      this.#abandonRound();
    } else if (this.#round !== null && ![...this.#round.recipients].some((u) => this.#links.has(u))) {
      this.#abandonRound();
    }
    this.#pump();
  }

  /** op 26: a fresh key package. A member already in the group (re-initialised) is removed and re-added. */
  keyPackage(userId: string, keyPackage: Buffer): void {
    // At version 0 there is no group to join: the upgrade's op 24 asks for a fresh key package.
    if (!this.#links.has(userId) || this.protocolVersion < 1) return;
    this.#keyPackages.set(userId, keyPackage);
    this.#pump();
  }

  /** op 28: the first commit of the round for the current epoch wins; the rest are stale. */
  commitWelcome(userId: string, payload: Buffer): void {
    const round = this.#round;
    if (round === null || !round.recipients.has(userId)) {
      this.rejectedCommits += 1;
      return;
    }
    let summary: ReturnType<typeof splitCommitWelcome>;
    try {
      summary = splitCommitWelcome(payload);
    } catch (e) {
      if (!(e instanceof MlsDecodeError)) throw e;
      this.rejectedCommits += 1;
      return;
    }
    if (summary.epoch !== round.epoch || !summary.groupId.equals(this.#groupId)) {
      this.rejectedCommits += 1;
      return;
    }
    if (round.adds.length > 0 && summary.welcome === null) {
      this.rejectedCommits += 1;
      return;
    }
    this.#round = null;
    this.#apply(round);
    // Founding at the start of a call switches at once (id 0); founding during an upgrade waits for op 22.
    const upgrading = this.#phase === 'upgrading';
    const transitionId = round.founding && !upgrading ? 0 : this.#nextTransition++;
    if (round.founding && upgrading) this.#versionTransition = transitionId;
    const members = this.#members();
    if (transitionId !== 0) this.#awaitingReady.set(transitionId, new Set(members));
    for (const u of round.recipients) this.#links.get(u)?.announceCommit(transitionId, summary.commit);
    for (const u of round.adds) {
      if (summary.welcome !== null) this.#links.get(u)?.welcome(transitionId, summary.welcome);
    }
    this.epochChanges += 1;
    for (const l of this.#epochListeners) l(this.#epoch);
    this.#pump();
  }

  /** op 23: once every member is ready, op 22 executes the transition for all. */
  transitionReady(userId: string, transitionId: number): void {
    this.#awaitingReady.get(transitionId)?.delete(userId);
    this.#maybeExecute(transitionId);
  }

  #maybeExecute(transitionId: number): void {
    const waiting = this.#awaitingReady.get(transitionId);
    if (waiting === undefined || waiting.size > 0) return;
    this.#awaitingReady.delete(transitionId);
    const everyone = transitionId === this.#versionTransition && this.#phase === 'downgrading';
    for (const u of everyone ? [...this.#links.keys()] : this.#members())
      this.#links.get(u)?.executeTransition(transitionId);
    if (transitionId === this.#versionTransition) this.#finishVersionTransition();
  }

  /**
   * A version change supersedes the transitions still waiting for op 23: they are executed now, so no client
   * keeps one pending (a client with a transition pending stops counting its decrypt failures).
   */
  #executeInFlight(): void {
    for (const [id, waiting] of [...this.#awaitingReady]) {
      waiting.clear();
      this.#maybeExecute(id);
    }
  }

  #finishVersionTransition(): void {
    this.#versionTransition = null;
    this.versionTransitions += 1;
    if (this.#phase === 'downgrading') {
      // Version 0: the group is gone; the upgrade founds a new one at epoch 1.
      this.#phase = 'plain';
      this.#leaves = [];
      this.#epoch = 0n;
    } else if (this.#phase === 'upgrading') {
      this.#phase = 'e2ee';
    }
  }

  #members(): string[] {
    return this.#leaves.filter((u): u is string => u !== null && this.#links.has(u));
  }

  /** Starts the next round if something changed and none is in flight. */
  #pump(): void {
    if (this.#round !== null || this.protocolVersion < 1) return;
    const inGroup = new Set(this.#members());
    const removes: number[] = [];
    this.#leaves.forEach((u, leaf) => {
      if (u === null) return;
      // Gone, or back with a new key package after re-initialising: take the old leaf out.
      if (!this.#links.has(u) || this.#keyPackages.has(u)) removes.push(leaf);
    });
    if (this.#leaves.length === 0) {
      const pending = [...this.#links.keys()].filter((u) => this.#keyPackages.has(u));
      // A group needs a founder and someone to add; alone, a member stays pending (sends in the clear).
      if (pending.length < 2) return;
      const [founder, ...adds] = pending as [string, ...string[]];
      this.#keyPackages.delete(founder);
      this.#startRound({ epoch: 0n, founding: true, recipients: new Set([founder]), adds, removes: [] });
      return;
    }
    const adds = [...this.#keyPackages.keys()].filter((u) => this.#links.has(u));
    if (adds.length === 0 && removes.length === 0) return;
    const recipients = new Set([...inGroup].filter((u) => !this.#keyPackages.has(u)));
    if (recipients.size === 0) return;
    this.#startRound({ epoch: this.#epoch, founding: false, recipients, adds, removes });
  }

  #abandonRound(): void {
    for (const [u, kp] of this.#round?.keyPackages ?? [])
      if (this.#links.has(u)) this.#keyPackages.set(u, kp);
    this.#round = null;
  }

  #startRound(round: Round): void {
    const messages = [
      ...round.removes.map((leaf) => this.#sender.remove(this.#groupId, round.epoch, leaf)),
      ...round.adds.map((u) => this.#sender.add(this.#groupId, round.epoch, this.#keyPackages.get(u)!)),
    ];
    const proposed = new Map(round.adds.map((u) => [u, this.#keyPackages.get(u)!] as const));
    for (const u of round.adds) this.#keyPackages.delete(u);
    this.#round = { ...round, keyPackages: proposed };
    const body = Buffer.concat(messages);
    const payload = Buffer.concat([Buffer.from([APPEND]), encodeVarint(body.length), body]);
    // Every recipient gets the same bytes: commits refer to the proposals by hash.
    for (const u of round.recipients) this.#links.get(u)?.proposals(payload);
  }

  /** RFC 9420 §12.3: removes first (then trailing blanks go), then each add takes the leftmost blank leaf. */
  #apply(round: Round): void {
    if (round.founding) this.#leaves = [[...round.recipients][0]!];
    for (const leaf of round.removes) this.#leaves[leaf] = null;
    while (this.#leaves.length > 0 && this.#leaves[this.#leaves.length - 1] === null) this.#leaves.pop();
    for (const u of round.adds) {
      const blank = this.#leaves.indexOf(null);
      if (blank === -1) this.#leaves.push(u);
      else this.#leaves[blank] = u;
    }
    this.#epoch = round.epoch + 1n;
  }
}
