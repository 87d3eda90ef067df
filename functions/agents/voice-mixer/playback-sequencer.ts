/**
 * The order of one voice session's playback, as plain serializable state: replies play in the order of
 * their utterances (end of speech), a reply's chunks in `seq` order, and a reply starts only after the
 * previous one was handed over completely, so two replies never overlap. A reply waits (at most
 * `orderHoldMs`) for the reply to an earlier utterance that is still being written; a reply stuck on a
 * missing chunk for `gapTimeoutMs` is skipped; an interrupted reply drops its remaining chunks.
 * Chunks ready to go are moved to the outbox, which the owner drains to the voice host in order.
 */
import type { PayloadOf } from '@promethean/schemas/message-definition';
import type { VoicePlayPcm } from '@promethean/schemas/voice/voice-messages';
import type { PlaybackEvent, PlaybackReport } from '@promethean/shared/effects/effect-ports';

export type PlayItem = PayloadOf<typeof VoicePlayPcm>;

interface Utterance {
  speech_end: number;
  seen_at: number;
  /** A reply is coming (or came): later replies wait for it, up to the hold. */
  expects_reply: boolean;
  resolved: boolean;
}

type ReplyStatus = 'waiting' | 'playing';

interface Reply {
  speech_end: number;
  segment_id?: string;
  status: ReplyStatus;
  /** Chunks not yet handed over, by seq. */
  chunks: Record<string, PlayItem>;
  next_seq: number;
  last_seq?: number;
  /** When the reply last moved (started, or handed over a chunk), for the gap timeout. */
  progress_at: number;
}

export interface SequencerState {
  utterances: Record<string, Utterance>;
  replies: Record<string, Reply>;
  current?: string;
  /** Replies that played out, were cut or skipped (newest last, bounded): their chunks are refused. */
  finished: string[];
  /** The utterances those replies answered (bounded), so a late transcript holds nothing up. */
  finished_segments: string[];
  /** Chunks ready for the host, in the order they must reach it. */
  outbox: PlayItem[];
  /** Replies whose first chunk entered the outbox, with when and that chunk (for the latency record). */
  started: Array<{ reply_id: string; at: number; first: PlayItem }>;
}

export interface SequencerOptions {
  orderHoldMs: number;
  gapTimeoutMs: number;
}

const FINISHED_KEPT = 200;
/** Resolved utterances older than this are forgotten (they can no longer hold anything up). */
const UTTERANCE_KEPT_MS = 10 * 60_000;

export function emptySequencerState(): SequencerState {
  return { utterances: {}, replies: {}, finished: [], finished_segments: [], outbox: [], started: [] };
}

export class PlaybackSequencer {
  readonly state: SequencerState;
  readonly #o: SequencerOptions;

  constructor(state: SequencerState, options: SequencerOptions) {
    this.state = state;
    this.#o = options;
  }

  /** Applies one event, then moves whatever may play now to the outbox. */
  apply(event: PlaybackEvent, now: number): PlaybackReport {
    const before = this.state.outbox.length;
    const reason = this.#take(event, now);
    this.pump(now);
    return {
      accepted: reason === undefined,
      ...(reason !== undefined && { reason }),
      delivered: this.state.outbox.length - before,
      waiting: this.waiting(),
    };
  }

  /** Chunks held back (not yet in the outbox). */
  waiting(): number {
    return Object.values(this.state.replies).reduce((n, r) => n + Object.keys(r.chunks).length, 0);
  }

  #take(event: PlaybackEvent, now: number): string | undefined {
    switch (event.kind) {
      case 'utterance':
        return this.#utterance(event, now);
      case 'chunk':
        return this.#chunk(event.item, now);
      case 'interrupt':
        return this.#finish(event.reply_id, 'cut') ? undefined : 'unknown-reply';
      case 'end':
        delete this.state.current;
        Object.assign(this.state, emptySequencerState());
        return undefined;
    }
  }

  #utterance(e: Extract<PlaybackEvent, { kind: 'utterance' }>, now: number): string | undefined {
    const known = this.state.utterances[e.segment_id];
    if (known) {
      // The segment announced it; its transcript may then say no reply will come (noise).
      if (e.expects_reply || known.resolved) return 'duplicate';
      known.resolved = true;
      return undefined;
    }
    const answered = Object.values(this.state.replies).some((r) => r.segment_id === e.segment_id);
    this.state.utterances[e.segment_id] = {
      speech_end: e.speech_end,
      seen_at: now,
      expects_reply: e.expects_reply,
      resolved: !e.expects_reply || answered || this.state.finished_segments.includes(e.segment_id),
    };
    return undefined;
  }

  #chunk(item: PlayItem, now: number): string | undefined {
    if (this.state.finished.includes(item.reply_id)) return 'finished-reply';
    let reply = this.state.replies[item.reply_id];
    if (!reply) {
      reply = {
        speech_end: item.timing?.speech_end ?? now,
        ...(item.segment_id !== undefined && { segment_id: item.segment_id }),
        status: 'waiting',
        chunks: {},
        next_seq: 0,
        progress_at: now,
      };
      this.state.replies[item.reply_id] = reply;
    }
    if (item.seq < reply.next_seq || reply.chunks[item.seq] !== undefined) return 'duplicate';
    reply.chunks[item.seq] = item;
    if (item.last) reply.last_seq = item.seq;
    const utterance = item.segment_id !== undefined ? this.state.utterances[item.segment_id] : undefined;
    if (utterance) utterance.resolved = true;
    return undefined;
  }

  /** Moves every chunk that may play now into the outbox, in order. */
  pump(now: number): void {
    this.#prune(now);
    for (;;) {
      const id = this.state.current;
      const reply = id !== undefined ? this.state.replies[id] : undefined;
      if (id !== undefined && reply) {
        if (this.#handOver(id, reply, now)) continue;
        if (now - reply.progress_at >= this.#o.gapTimeoutMs) {
          this.#finish(id, 'skipped');
          continue;
        }
        return;
      }
      const next = this.#nextReply(now);
      if (next === undefined) return;
      const r = this.state.replies[next]!;
      r.status = 'playing';
      r.progress_at = now;
      this.state.current = next;
    }
  }

  /** Hands over the current reply's next chunks; true when the reply is complete (and finished). */
  #handOver(id: string, reply: Reply, now: number): boolean {
    for (;;) {
      const chunk = reply.chunks[reply.next_seq];
      if (!chunk) break;
      if (reply.next_seq === 0) this.state.started.push({ reply_id: id, at: now, first: chunk });
      this.state.outbox.push(chunk);
      delete reply.chunks[reply.next_seq];
      reply.next_seq++;
      reply.progress_at = now;
    }
    if (reply.last_seq !== undefined && reply.next_seq > reply.last_seq) {
      this.#finish(id, 'done');
      return true;
    }
    return false;
  }

  /** The reply to start next: the earliest utterance's, unless an earlier utterance's reply may still come. */
  #nextReply(now: number): string | undefined {
    const waiting = Object.entries(this.state.replies)
      .filter(([, r]) => r.status === 'waiting')
      .sort(([a, x], [b, y]) => x.speech_end - y.speech_end || (a < b ? -1 : 1));
    const head = waiting[0];
    if (!head) return undefined;
    const [id, reply] = head;
    const heldBy = Object.values(this.state.utterances).some(
      (u) =>
        u.expects_reply &&
        !u.resolved &&
        u.speech_end < reply.speech_end &&
        now - u.seen_at < this.#o.orderHoldMs,
    );
    return heldBy ? undefined : id;
  }

  #finish(id: string, _how: 'done' | 'cut' | 'skipped'): boolean {
    const known = this.state.replies[id] !== undefined || this.state.finished.includes(id);
    const segment = this.state.replies[id]?.segment_id;
    delete this.state.replies[id];
    if (this.state.current === id) delete this.state.current;
    if (!this.state.finished.includes(id))
      this.state.finished = [...this.state.finished, id].slice(-FINISHED_KEPT);
    if (segment !== undefined) {
      const utterance = this.state.utterances[segment];
      if (utterance) utterance.resolved = true;
      this.state.finished_segments = [...this.state.finished_segments, segment].slice(-FINISHED_KEPT);
    }
    return known;
  }

  #prune(now: number): void {
    for (const [id, u] of Object.entries(this.state.utterances)) {
      if (u.resolved && now - u.seen_at > UTTERANCE_KEPT_MS) delete this.state.utterances[id];
    }
  }

  /** When a hold or a gap timeout next runs out (the owner's alarm), or undefined when nothing waits on time. */
  nextDeadline(): number | undefined {
    const deadlines: number[] = [];
    const current = this.state.current !== undefined ? this.state.replies[this.state.current] : undefined;
    if (current) deadlines.push(current.progress_at + this.#o.gapTimeoutMs);
    const waitingReplies = Object.values(this.state.replies).some((r) => r.status === 'waiting');
    if (waitingReplies) {
      for (const u of Object.values(this.state.utterances)) {
        if (u.expects_reply && !u.resolved) deadlines.push(u.seen_at + this.#o.orderHoldMs);
      }
    }
    return deadlines.length > 0 ? Math.min(...deadlines) : undefined;
  }

  /** Puts chunks the owner could not deliver (and their start records) back in front, in their order. */
  requeue(items: readonly PlayItem[], started: SequencerState['started'] = []): void {
    this.state.outbox = [...items, ...this.state.outbox];
    this.state.started = [...started, ...this.state.started];
  }

  /** Takes the outbox (the owner delivers it) and the start records. */
  takeOutbox(): { items: PlayItem[]; started: SequencerState['started'] } {
    const taken = { items: this.state.outbox, started: this.state.started };
    this.state.outbox = [];
    this.state.started = [];
    return taken;
  }
}
