/** The CLI's progress line for long steps: a bar, done/total, rate and ETA, from an injectable clock. */

export class ProgressBar {
  readonly #now: () => number;
  readonly #starts = new Map<string, number>();

  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
  }

  /** One line, e.g. `0002_contract_indexes [#####-----] 50% 5/10 2.0/s ETA 2.5s`. */
  line(label: string, done: number, total: number): string {
    const start = this.#starts.get(label) ?? this.#now();
    this.#starts.set(label, start);
    const seconds = (this.#now() - start) / 1000;
    const fraction = total > 0 ? Math.min(1, done / total) : 1;
    const width = 20;
    const filled = Math.round(fraction * width);
    const rate = seconds > 0 ? done / seconds : 0;
    const eta = rate > 0 ? `${((total - done) / rate).toFixed(1)}s` : '?';
    return `${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${Math.round(fraction * 100)}% ${done}/${total} ${rate.toFixed(1)}/s ETA ${eta}`;
  }
}
