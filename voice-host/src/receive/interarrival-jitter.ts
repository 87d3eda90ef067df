/** RFC 3550 interarrival jitter: a smoothed estimate of how unevenly packets arrive, in ms. */
import { SAMPLES_PER_MS } from '../audio/discord-pcm.ts';

export class InterarrivalJitter {
  #prevTransit: number | undefined;
  #jitter = 0;

  /** Feeds one packet in arrival order (RTP timestamp in 48 kHz samples, arrival in ms). */
  observe(rtpTs: number, arrivalMs: number): void {
    const transit = arrivalMs - rtpTs / SAMPLES_PER_MS;
    if (this.#prevTransit !== undefined) {
      const d = Math.abs(transit - this.#prevTransit);
      // Very large steps are a new talk spurt or a clock reset, not jitter.
      if (d < 1_000) this.#jitter += (d - this.#jitter) / 16;
    }
    this.#prevTransit = transit;
  }

  get ms(): number {
    return this.#jitter;
  }
}
