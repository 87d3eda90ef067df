/**
 * Drives one session's playback: chunks from the ordered queue are resampled to 48 kHz stereo and
 * streamed to the output one reply at a time; when a user starts speaking during a reply, playback
 * stops (and the reply is dropped) or ducks, and the interrupted reply is reported.
 */
import { DISCORD_CHANNELS, SAMPLE_RATE } from '../audio/discord-pcm.ts';
import type { PcmOutput } from './pcm-output.ts';
import { PcmResampler } from './pcm-resampler.ts';
import { type AddResult, PlaybackQueue, type PlayChunk, type PlayItem } from './playback-queue.ts';

export type InterruptMode = 'stop' | 'duck';

export interface SessionPlaybackOptions {
  readonly output: PcmOutput;
  readonly interruptMode: InterruptMode;
  /** Gain while ducked (0..1). */
  readonly duckGain: number;
  /** A reply stuck waiting for a chunk this long is skipped. */
  readonly gapTimeoutMs: number;
  readonly now: () => number;
}

export interface PlaybackStats {
  playing: string | undefined;
  queued: number;
  played: number;
  interrupted: number;
  skipped: number;
}

export class SessionPlayback {
  readonly #o: SessionPlaybackOptions;
  readonly #queue: PlaybackQueue;
  readonly #speakers = new Set<string>();
  #playing: string | undefined;
  /** The playing reply has had all its chunks written. */
  #ended = false;
  #resampler: PcmResampler | undefined;
  #played = 0;
  #interrupted = 0;

  constructor(options: SessionPlaybackOptions) {
    this.#o = options;
    this.#queue = new PlaybackQueue({ gapTimeoutMs: options.gapTimeoutMs });
    options.output.onIdle((replyId) => this.#onIdle(replyId));
  }

  stats(): PlaybackStats {
    return {
      playing: this.#playing,
      queued: this.#queue.depth,
      played: this.#played,
      interrupted: this.#interrupted,
      skipped: this.#queue.skipped,
    };
  }

  /** Queues a chunk (PCM bytes in the item's format) and plays what is ready. */
  enqueue(item: PlayItem, pcm: Uint8Array): AddResult {
    const samples = new Int16Array(pcm.buffer.slice(pcm.byteOffset, pcm.byteOffset + pcm.byteLength));
    const result = this.#queue.add({ item, pcm: samples });
    this.pump();
    return result;
  }

  /**
   * A user started or stopped speaking. Returns the reply this start interrupted, if one was playing.
   * While anyone speaks, no new reply starts.
   */
  speaking(userId: string, speaking: boolean): string | undefined {
    if (!speaking) {
      this.#speakers.delete(userId);
      if (this.#speakers.size === 0) {
        this.#o.output.setGain(1);
        this.pump();
      }
      return undefined;
    }
    this.#speakers.add(userId);
    const interrupted = this.#playing;
    if (interrupted === undefined) return undefined;
    this.#interrupted++;
    if (this.#o.interruptMode === 'duck') {
      this.#o.output.setGain(this.#o.duckGain);
      return interrupted;
    }
    this.#queue.cancel(interrupted);
    this.#finishReply();
    this.#o.output.stop();
    return interrupted;
  }

  /** Moves ready chunks to the output; skips a reply stuck on a missing chunk. */
  pump(): void {
    const now = this.#o.now();
    for (;;) {
      if (this.#playing === undefined) {
        if (this.#speakers.size > 0 && this.#o.interruptMode === 'stop') return;
        if (!this.#startNext(now)) return;
        continue;
      }
      if (this.#ended) return;
      const chunk = this.#queue.next(now);
      if (chunk === undefined) {
        if (this.#queue.skipStalled(now) === this.#playing) this.#endReply();
        return;
      }
      this.#write(chunk);
    }
  }

  /** Stops everything (the session ends). */
  close(): void {
    if (this.#playing !== undefined) this.#queue.cancel(this.#playing);
    this.#finishReply();
    this.#o.output.stop();
  }

  #startNext(now: number): boolean {
    const chunk = this.#queue.next(now);
    if (chunk === undefined) {
      this.#queue.skipStalled(now);
      return false;
    }
    this.#playing = chunk.item.reply_id;
    this.#ended = false;
    const f = chunk.item.format;
    this.#resampler = new PcmResampler({
      inRate: f.sample_rate,
      outRate: SAMPLE_RATE,
      inChannels: f.channels === 2 ? 2 : 1,
      outChannels: DISCORD_CHANNELS,
    });
    this.#o.output.begin(this.#playing);
    this.#write(chunk);
    return true;
  }

  #write(chunk: PlayChunk): void {
    const out = this.#resampler!.process(chunk.pcm);
    if (out.length > 0) this.#o.output.write(out);
    if (chunk.item.last) this.#endReply();
  }

  #endReply(): void {
    const tail = this.#resampler?.flush();
    if (tail && tail.length > 0) this.#o.output.write(tail);
    this.#ended = true;
    this.#o.output.end();
  }

  #finishReply(): void {
    this.#playing = undefined;
    this.#ended = false;
    this.#resampler = undefined;
  }

  #onIdle(replyId: string): void {
    if (replyId !== this.#playing) return;
    this.#played++;
    this.#finishReply();
    this.pump();
  }
}
