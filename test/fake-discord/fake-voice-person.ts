/**
 * A fake person in a voice channel of the fake voice server: their own user id and SSRC; they speak real
 * Opus (48 kHz stereo PCM — e.g. espeak-ng phrases — encoded with libopus through @discordjs/opus, paced
 * at one 20 ms frame per 20 ms) and they listen: every packet the server relays to them is decoded and
 * kept per sender, so a test can assert on what they heard.
 */
import libopus from '@discordjs/opus';
import { isDaveFrame } from './dave-frame.ts';
import { meterFakeCpu } from './fake-cpu-meter.ts';
import type { FakeDaveParticipant } from './fake-dave-participant.ts';

export const SAMPLE_RATE = 48_000;
export const FRAME_MS = 20;
/** Samples per channel in one 20 ms frame. */
export const FRAME_SAMPLES = 960;
/** Discord asks senders to end a burst with five frames of Opus silence (avoids interpolation artefacts). */
export const OPUS_SILENCE = Buffer.from([0xf8, 0xff, 0xfe]);
const RTP_OPUS = 0x78;

/** What the voice server gives a person to talk through. */
export interface PersonLink {
  /** op 5 SPEAKING to everyone else in the channel. */
  speaking(person: FakeVoicePerson, speaking: boolean): void;
  /** One RTP packet (clear header + Opus) to everyone else in the channel. */
  media(person: FakeVoicePerson, header: Buffer, opus: Buffer): void;
  /** End of a burst: no packet may stay held back by reordering faults. */
  flush(person: FakeVoicePerson): void;
}

/** One decoded frame a person heard. */
export interface HeardFrame {
  readonly seq: number;
  readonly timestamp: number;
  readonly at: number;
  /** The sender's Opus silence frame (0xF8 0xFF 0xFE): the end-of-burst padding, not content. */
  readonly silence: boolean;
  /** Interleaved stereo s16. */
  readonly pcm: Int16Array;
}

/** When a spoken burst started and when its last voiced frame was sent (ms, `Date.now()` clock). */
export interface SpokenBurst {
  readonly startedAt: number;
  readonly endedAt: number;
  readonly frames: number;
}

function rtpHeader(seq: number, timestamp: number, ssrc: number): Buffer {
  const h = Buffer.alloc(12);
  h[0] = 0x80;
  h[1] = RTP_OPUS;
  h.writeUInt16BE(seq & 0xffff, 2);
  h.writeUInt32BE(timestamp >>> 0, 4);
  h.writeUInt32BE(ssrc >>> 0, 8);
  return h;
}

export class FakeVoicePerson {
  readonly userId: string;
  readonly ssrc: number;
  /** Frames heard, per sender user id, in arrival order. */
  readonly heard = new Map<string, HeardFrame[]>();
  decodeErrors = 0;
  /** End-to-end encrypted frames this person got without DAVE (sent in the wrong mode to them). */
  unreadableE2ee = 0;
  /** The person's DAVE identity when the channel runs DAVE (set by the server); null = transport encryption only. */
  dave: FakeDaveParticipant | null = null;
  #link: PersonLink | null = null;
  readonly #encoder = new libopus.OpusEncoder(SAMPLE_RATE, 2);
  readonly #decoder = new libopus.OpusEncoder(SAMPLE_RATE, 2);
  #seq: number;
  #timestamp: number;
  #speaking = false;
  #queue: Promise<unknown> = Promise.resolve();
  readonly #listeners = new Set<(from: string, frame: HeardFrame) => void>();

  constructor(userId: string, ssrc: number, seed = ssrc) {
    this.userId = userId;
    this.ssrc = ssrc;
    this.#seq = (seed * 7919) & 0xffff;
    this.#timestamp = (seed * 104_729) >>> 0;
  }

  /** Connects the person to a channel (done by the server). */
  attach(link: PersonLink | null): void {
    this.#link = link;
  }

  get inChannel(): boolean {
    return this.#link !== null;
  }

  /**
   * Speaks `stereo` (interleaved s16 at 48 kHz; padded to whole frames), one frame every 20 ms by the wall
   * clock, then five silence frames; bursts queue behind each other. `paced: false` sends as fast as possible.
   */
  speak(stereo: Int16Array, options: { paced?: boolean } = {}): Promise<SpokenBurst> {
    const run = this.#queue.then(() => this.#speakNow(stereo, options.paced !== false));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** Called by the server with each packet relayed to this person, already transport-decrypted. */
  hear(from: string, seq: number, timestamp: number, packet: Buffer): void {
    if (this.dave === null && isDaveFrame(packet)) {
      this.unreadableE2ee += 1;
      return;
    }
    const opus = this.dave === null ? packet : this.dave.decrypt(from, packet);
    if (opus === null) return;
    let pcm: Int16Array;
    try {
      const out = meterFakeCpu(() => this.#decoder.decode(opus));
      pcm = new Int16Array(out.buffer, out.byteOffset, out.byteLength / 2);
    } catch {
      this.decodeErrors += 1;
      return;
    }
    const frame: HeardFrame = { seq, timestamp, at: Date.now(), silence: opus.equals(OPUS_SILENCE), pcm };
    let frames = this.heard.get(from);
    if (frames === undefined) {
      frames = [];
      this.heard.set(from, frames);
    }
    frames.push(frame);
    for (const l of this.#listeners) l(from, frame);
  }

  /** Calls `listener` for every frame heard from now on; returns the unsubscribe function. */
  onHear(listener: (from: string, frame: HeardFrame) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Everything heard from `from`, in RTP timestamp order, duplicates dropped, as mono s16 (channels averaged). */
  heardMono(from: string): Int16Array {
    const frames = [...(this.heard.get(from) ?? [])].sort((a, b) => a.timestamp - b.timestamp);
    const seen = new Set<number>();
    const parts: Int16Array[] = [];
    for (const f of frames) {
      if (seen.has(f.timestamp)) continue;
      seen.add(f.timestamp);
      const mono = new Int16Array(f.pcm.length / 2);
      for (let i = 0; i < mono.length; i++) mono[i] = (f.pcm[2 * i]! + f.pcm[2 * i + 1]!) >> 1;
      parts.push(mono);
    }
    const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }

  async #speakNow(stereo: Int16Array, paced: boolean): Promise<SpokenBurst> {
    const frameValues = FRAME_SAMPLES * 2;
    const frames = Math.ceil(stereo.length / frameValues);
    const startedAt = Date.now();
    let endedAt = startedAt;
    this.#setSpeaking(true);
    for (let i = 0; i < frames + 5; i++) {
      if (paced) {
        const due = startedAt + i * FRAME_MS;
        const wait = due - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
      let opus = OPUS_SILENCE;
      if (i < frames) {
        const frame = new Int16Array(frameValues);
        frame.set(stereo.subarray(i * frameValues, Math.min(stereo.length, (i + 1) * frameValues)));
        opus = meterFakeCpu(() => this.#encoder.encode(Buffer.from(frame.buffer)));
      }
      const header = rtpHeader(this.#seq, this.#timestamp, this.ssrc);
      const sent = this.dave === null ? opus : meterFakeCpu(() => this.dave?.encrypt(opus) ?? opus);
      meterFakeCpu(() => this.#link?.media(this, header, sent));
      this.#seq = (this.#seq + 1) & 0xffff;
      this.#timestamp = (this.#timestamp + FRAME_SAMPLES) >>> 0;
      if (i === frames - 1) endedAt = Date.now();
    }
    this.#link?.flush(this);
    this.#setSpeaking(false);
    return { startedAt, endedAt, frames };
  }

  #setSpeaking(speaking: boolean): void {
    if (this.#speaking === speaking) return;
    this.#speaking = speaking;
    this.#link?.speaking(this, speaking);
  }
}
