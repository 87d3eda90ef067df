/**
 * Two gaps in @discordjs/voice 0.19.2's handling of DAVE protocol-version transitions
 * (https://daveprotocol.com/#protocol-transitions), closed here for the voice host. Both were found by the
 * fake voice server's transition test (test/fake-discord/fake-voice-dave-transitions.test.ts).
 *
 * 1. Receiving during an upgrade. The upgrade (op 24 `prepare_epoch`, epoch 1) founds a new MLS group under a
 *    non-zero transition id, and senders keep sending clear frames until op 22 executes it. The library builds
 *    its per-sender decryptors when it processes the new group's commit or welcome, and a fresh
 *    @snazzah/davey decryptor refuses clear frames: every clear frame arriving between the commit and op 22
 *    was dropped. Passthrough is now on from that commit/welcome until the transition executes, then lapses
 *    after the transition expiry (clear frames still in flight are accepted for that long, no longer).
 * 2. Sending across a transition. The audio player prepares (and seals) each packet one 20 ms cycle before it
 *    sends it, so the first packet sent after op 22 of a downgrade was still end-to-end encrypted: unreadable
 *    to the member without DAVE the downgrade was for. A packet sealed in the mode before a transition is now
 *    sealed again, from the same Opus frame, in the mode after it.
 */
import { DAVESession, Networking } from '@discordjs/voice';

/** Seconds clear frames stay acceptable after the upgrade executes (libdave's and davey's default). */
const TRANSITION_EXPIRY_S = 10;

const upgrading = new WeakSet<DAVESession>();
/** Per connection: the Opus frame behind the prepared packet, and whether it was sealed end to end. */
const prepared = new WeakMap<Networking, { opus: Buffer; e2ee: boolean }>();
let installed = false;

interface NetworkingReadyView {
  code: number;
  preparedPacket?: Buffer | undefined;
  dave?: DAVESession | undefined;
}

/** Whether a packet prepared now would be end-to-end encrypted (mirrors DAVESession.encrypt's condition). */
function sealsEndToEnd(n: Networking): boolean {
  const dave = (n.state as NetworkingReadyView).dave;
  return dave !== undefined && dave.protocolVersion !== 0 && dave.session?.ready === true;
}

/** Patches @discordjs/voice's DAVESession and Networking once per process (idempotent). */
export function installDaveTransitionPatches(): void {
  if (installed) return;
  installed = true;
  const dave = DAVESession.prototype;
  const { prepareEpoch, processCommit, processWelcome, executeTransition } = dave;
  dave.prepareEpoch = function (this: DAVESession, data) {
    prepareEpoch.call(this, data);
    if (data.epoch === 1) upgrading.add(this);
  };
  dave.processCommit = function (this: DAVESession, payload) {
    const result = processCommit.call(this, payload);
    openUntilExecute(this, result);
    return result;
  };
  dave.processWelcome = function (this: DAVESession, payload) {
    const result = processWelcome.call(this, payload);
    openUntilExecute(this, result);
    return result;
  };
  dave.executeTransition = function (this: DAVESession, transitionId) {
    const executed = executeTransition.call(this, transitionId);
    if (executed && transitionId !== 0 && upgrading.delete(this)) {
      this.session?.setPassthroughMode(false, TRANSITION_EXPIRY_S);
    }
    return executed;
  };

  const net = Networking.prototype;
  const { prepareAudioPacket, dispatchAudio } = net;
  net.prepareAudioPacket = function (this: Networking, opus: Buffer) {
    const packet = prepareAudioPacket.call(this, opus);
    if (packet !== undefined) prepared.set(this, { opus, e2ee: sealsEndToEnd(this) });
    return packet;
  };
  net.dispatchAudio = function (this: Networking) {
    const last = prepared.get(this);
    prepared.delete(this);
    const state = this.state as NetworkingReadyView;
    if (last !== undefined && state.preparedPacket !== undefined && last.e2ee !== sealsEndToEnd(this)) {
      prepareAudioPacket.call(this, last.opus);
    }
    return dispatchAudio.call(this);
  };
}

function openUntilExecute(dave: DAVESession, result: { success: boolean; transitionId: number }): void {
  if (result.success && result.transitionId !== 0 && upgrading.has(dave))
    dave.session?.setPassthroughMode(true, 0);
}
