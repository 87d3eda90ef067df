/**
 * One session's ordered playback queue: replies play in the order their first chunk arrived, each reply's
 * chunks in seq order, one reply at a time. Redelivered chunks are ignored; a reply stuck on a missing
 * chunk is skipped after a timeout; an interrupted reply's later chunks are dropped.
 */
import type { VoicePlayPcm } from '@promethean/schemas/voice/voice-messages';
import type { z } from 'zod';

export type PlayItem = z.infer<typeof VoicePlayPcm.payload>;

/** A chunk of synthesized audio: the item and its PCM (s16le in `item.format`). */
export interface PlayChunk {
  readonly item: PlayItem;
  readonly pcm: Int16Array;
}

/** What `add` did with a chunk. */
export type AddResult = 'queued' | 'duplicate' | 'finished-reply';

interface Reply {
  readonly id: string;
  readonly chunks: Map<number, PlayChunk>;
  nextSeq: number;
  /** When the reply started waiting for `nextSeq` (ms), if it is. */
  waitingSince: number | undefined;
}

/** How many finished or cancelled reply ids are remembered to drop their late chunks. */
const REMEMBERED = 512;

export class PlaybackQueue {
  readonly #gapTimeoutMs: number;
  readonly #replies: Reply[] = [];
  readonly #closed = new Set<string>();
  skipped = 0;

  constructor(options: { gapTimeoutMs: number }) {
    this.#gapTimeoutMs = options.gapTimeoutMs;
  }

  /** Chunks waiting to play. */
  get depth(): number {
    return this.#replies.reduce((n, r) => n + r.chunks.size, 0);
  }

  /** The reply at the head of the queue (playing, or next to play). */
  get head(): string | undefined {
    return this.#replies[0]?.id;
  }

  add(chunk: PlayChunk): AddResult {
    const { reply_id: id, seq } = chunk.item;
    if (this.#closed.has(id)) return 'finished-reply';
    let reply = this.#replies.find((r) => r.id === id);
    if (!reply) {
      reply = { id, chunks: new Map(), nextSeq: 0, waitingSince: undefined };
      this.#replies.push(reply);
    }
    if (seq < reply.nextSeq || reply.chunks.has(seq)) return 'duplicate';
    reply.chunks.set(seq, chunk);
    return 'queued';
  }

  /**
   * The next chunk of the head reply if it has arrived; undefined while waiting (the wait starts at `nowMs`).
   * After the chunk marked `last`, the reply is closed and the next reply becomes the head.
   */
  next(nowMs: number): PlayChunk | undefined {
    const reply = this.#replies[0];
    if (!reply) return undefined;
    const chunk = reply.chunks.get(reply.nextSeq);
    if (!chunk) {
      reply.waitingSince ??= nowMs;
      return undefined;
    }
    reply.chunks.delete(reply.nextSeq);
    reply.nextSeq++;
    reply.waitingSince = undefined;
    if (chunk.item.last) this.#close(reply.id);
    return chunk;
  }

  /** Drops a reply (interrupted, or stuck); its late chunks will be ignored. */
  cancel(replyId: string): void {
    this.#close(replyId);
  }

  /** Cancels the head reply if it has waited longer than the gap timeout; returns its id. */
  skipStalled(nowMs: number): string | undefined {
    const reply = this.#replies[0];
    if (reply?.waitingSince === undefined || nowMs - reply.waitingSince < this.#gapTimeoutMs)
      return undefined;
    this.skipped++;
    this.#close(reply.id);
    return reply.id;
  }

  #close(id: string): void {
    const at = this.#replies.findIndex((r) => r.id === id);
    if (at !== -1) this.#replies.splice(at, 1);
    this.#closed.add(id);
    if (this.#closed.size > REMEMBERED) this.#closed.delete(this.#closed.values().next().value!);
  }
}
