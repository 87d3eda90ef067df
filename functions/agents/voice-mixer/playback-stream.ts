/**
 * One session's playback stream: the sequencer's order plus delivery. Events are applied one at a time
 * (a lock, so two deliveries never interleave), and the outbox is drained to the outlet in order; what
 * the outlet refuses goes back to the front of the outbox for the next attempt.
 */
import type { PlaybackEvent, PlaybackReport } from '@promethean/shared/effects/effect-ports';
import {
  PlaybackSequencer,
  type PlayItem,
  type SequencerOptions,
  type SequencerState,
} from './playback-sequencer.ts';

/** Where chunks go: the voice host (through the access layer), or a recorder in tests. */
export interface PlaybackOutlet {
  deliver(item: PlayItem): Promise<{ ok: boolean; reason?: string | undefined }>;
}

/** Order defaults: wait up to 4 s for an earlier utterance's reply; skip a reply stuck 5 s on a chunk. */
export const DEFAULT_SEQUENCER_OPTIONS: SequencerOptions = Object.freeze({
  orderHoldMs: 4_000,
  gapTimeoutMs: 5_000,
});

export class PlaybackStream {
  readonly #sequencer: PlaybackSequencer;
  readonly #outlet: PlaybackOutlet;
  #lock: Promise<unknown> = Promise.resolve();

  constructor(
    state: SequencerState,
    outlet: PlaybackOutlet,
    options: SequencerOptions = DEFAULT_SEQUENCER_OPTIONS,
  ) {
    this.#sequencer = new PlaybackSequencer(state, options);
    this.#outlet = outlet;
  }

  get state(): SequencerState {
    return this.#sequencer.state;
  }

  nextDeadline(): number | undefined {
    return this.#sequencer.nextDeadline();
  }

  /** Applies an event and delivers what may play now. */
  submit(event: PlaybackEvent, now: number): Promise<PlaybackReport> {
    return this.#exclusive(async () => {
      const report = this.#sequencer.apply(event, now);
      return { ...report, ...(await this.#drain()) };
    });
  }

  /** Time passed (an alarm): holds and gap timeouts may have run out; undelivered chunks are retried. */
  tick(now: number): Promise<PlaybackReport> {
    return this.#exclusive(async () => {
      const before = this.#sequencer.state.outbox.length;
      this.#sequencer.pump(now);
      const moved = this.#sequencer.state.outbox.length - before;
      return {
        accepted: true,
        delivered: moved,
        waiting: this.#sequencer.waiting(),
        ...(await this.#drain()),
      };
    });
  }

  /** Drops chunks the host would never take (it stayed away too long). */
  dropUndelivered(): number {
    const { items } = this.#sequencer.takeOutbox();
    return items.length;
  }

  /** Delivers the outbox in order; a reply counts as started once its first chunk was actually taken. */
  async #drain(): Promise<Pick<PlaybackReport, 'started' | 'undelivered'>> {
    const { items, started } = this.#sequencer.takeOutbox();
    const isStart = (item: PlayItem) => (s: (typeof started)[number]) =>
      s.reply_id === item.reply_id && item.seq === 0;
    const reported: typeof started = [];
    for (const [i, item] of items.entries()) {
      const result = await this.#outlet
        .deliver(item)
        .catch((e: unknown) => ({ ok: false, reason: String(e) }));
      if (!result.ok) {
        const rest = items.slice(i);
        this.#sequencer.requeue(
          rest,
          started.filter((s) => rest.some((item_) => isStart(item_)(s))),
        );
        return { started: reported, undelivered: rest.length };
      }
      reported.push(...started.filter(isStart(item)));
    }
    return { started: reported, undelivered: 0 };
  }

  #exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#lock.then(work, work);
    this.#lock = run.catch(() => undefined);
    return run;
  }
}
