/** Turns a wrapping counter (RTP's 16-bit sequence, 32-bit timestamp) into a monotonic-ish extended number. */

/**
 * Extends an n-bit counter: each value is placed in the cycle that puts it closest to the highest value
 * seen so far, so a packet slightly before a wrap and one slightly after keep their order.
 */
export class WrapUnwrapper {
  readonly #modulus: number;
  #highest: number | undefined;

  constructor(bits: 16 | 32) {
    this.#modulus = 2 ** bits;
  }

  /** The extended value of `raw`; the first value seen is taken as is. */
  unwrap(raw: number): number {
    const m = this.#modulus;
    if (this.#highest === undefined) {
      this.#highest = raw;
      return raw;
    }
    const base = this.#highest - (((this.#highest % m) + m) % m);
    let candidate = base + raw;
    if (candidate - this.#highest > m / 2) candidate -= m;
    else if (this.#highest - candidate > m / 2) candidate += m;
    if (candidate > this.#highest) this.#highest = candidate;
    return candidate;
  }

  /** Forgets history (a new stream from the same source). */
  reset(): void {
    this.#highest = undefined;
  }
}
