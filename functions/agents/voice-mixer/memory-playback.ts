/**
 * The playback port in one process (tests, golden runs, the in-memory pipeline): one stream per session on
 * a given clock, delivering to a recorder; `tick()` stands in for the Durable Object's alarm.
 */
import type { Clock } from '@promethean/shared/agent/envelope-factory';
import type { PlaybackEvent, PlaybackPort, PlaybackReport } from '@promethean/shared/effects/effect-ports';
import { emptySequencerState, type PlayItem } from './playback-sequencer.ts';
import { PlaybackStream } from './playback-stream.ts';

/** The session an event belongs to. */
export function sessionOfEvent(event: PlaybackEvent): string {
  return event.kind === 'chunk' ? event.item.session_id : event.session_id;
}

export class MemoryPlayback implements PlaybackPort {
  /** Every chunk handed to the "host", in order, across sessions. */
  readonly delivered: PlayItem[] = [];
  readonly #streams = new Map<string, PlaybackStream>();
  readonly #clock: Clock;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  submit(event: PlaybackEvent): Promise<PlaybackReport> {
    return this.#stream(sessionOfEvent(event)).submit(event, this.#clock.now());
  }

  /** Runs every session's timers at the clock's time. */
  async tick(): Promise<void> {
    for (const stream of this.#streams.values()) await stream.tick(this.#clock.now());
  }

  /** The earliest time any session waits on. */
  nextDeadline(): number | undefined {
    const all = [...this.#streams.values()].map((s) => s.nextDeadline()).filter((d) => d !== undefined);
    return all.length > 0 ? Math.min(...all) : undefined;
  }

  #stream(session: string): PlaybackStream {
    let stream = this.#streams.get(session);
    if (!stream) {
      stream = new PlaybackStream(emptySequencerState(), {
        deliver: async (item) => {
          this.delivered.push(item);
          return { ok: true };
        },
      });
      this.#streams.set(session, stream);
    }
    return stream;
  }
}
