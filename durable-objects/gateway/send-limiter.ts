/** Keeps gateway sends under Discord's 120 per 60 s, reserving room for heartbeats. */

export class SendLimiter {
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #reserved: number;
  #sent: number[] = [];

  constructor(limit = 120, windowMs = 60_000, reservedForHeartbeats = 3) {
    this.#limit = limit;
    this.#windowMs = windowMs;
    this.#reserved = reservedForHeartbeats;
  }

  #prune(now: number): void {
    while (this.#sent.length > 0 && this.#sent[0]! <= now - this.#windowMs) this.#sent.shift();
  }

  /** Whether a send may go now; heartbeats may use the reserved room, other sends may not. */
  tryTake(now: number, heartbeat = false): boolean {
    this.#prune(now);
    const ceiling = heartbeat ? this.#limit : this.#limit - this.#reserved;
    if (this.#sent.length >= ceiling) return false;
    this.#sent.push(now);
    return true;
  }

  /** Milliseconds until an ordinary send would be allowed. */
  waitMs(now: number): number {
    this.#prune(now);
    if (this.#sent.length < this.#limit - this.#reserved) return 0;
    const oldest = this.#sent[this.#sent.length - (this.#limit - this.#reserved)]!;
    return Math.max(0, oldest + this.#windowMs - now);
  }
}
