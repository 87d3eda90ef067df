/**
 * Checks that every sender in a DAVE channel sends each media frame in the mode the channel is in: end-to-end
 * encrypted while DAVE runs, transport-only after a downgrade to protocol version 0. A sender may switch only
 * in the direction of the transition in progress (E2EE → plain from op 21 of a downgrade on, plain → E2EE
 * while the channel runs DAVE or is upgrading, which is also how a new member starts encrypting once its
 * commit or welcome lands); any other switch is a frame sent in the wrong mode. Opus silence is always clear.
 */
import { isDaveFrame } from './dave-frame.ts';
import { OPUS_SILENCE } from './fake-voice-person.ts';

/** The channel's DAVE phase as the voice server drives it. */
export type DavePhase = 'e2ee' | 'downgrading' | 'plain' | 'upgrading';

/** A frame whose mode changed against the transition in progress. */
export interface WrongModeFrame {
  readonly sender: string;
  readonly phase: DavePhase;
  readonly e2ee: boolean;
}

export class DaveMediaModeAudit {
  readonly #last = new Map<string, boolean>();
  readonly #counts = new Map<string, { e2ee: number; plain: number }>();
  readonly wrongMode: WrongModeFrame[] = [];

  /** One non-silence frame from `sender`, as it left the sender (before any DAVE decryption). */
  frame(sender: string, payload: Buffer, phase: DavePhase): void {
    if (payload.equals(OPUS_SILENCE)) return;
    const e2ee = isDaveFrame(payload);
    const counts = this.#counts.get(sender) ?? { e2ee: 0, plain: 0 };
    if (e2ee) counts.e2ee += 1;
    else counts.plain += 1;
    this.#counts.set(sender, counts);
    const last = this.#last.get(sender);
    this.#last.set(sender, e2ee);
    if (last === undefined || last === e2ee) return;
    const allowed = e2ee
      ? phase === 'e2ee' || phase === 'upgrading'
      : phase === 'downgrading' || phase === 'plain';
    if (!allowed) this.wrongMode.push({ sender, phase, e2ee });
  }

  /** Frames seen from `sender` in each mode so far. */
  counts(sender: string): { e2ee: number; plain: number } {
    return { ...(this.#counts.get(sender) ?? { e2ee: 0, plain: 0 }) };
  }

  /** The mode of `sender`'s latest non-silence frame (undefined before any). */
  lastMode(sender: string): 'e2ee' | 'plain' | undefined {
    const last = this.#last.get(sender);
    return last === undefined ? undefined : last ? 'e2ee' : 'plain';
  }
}
