/** Discord snowflake ids made from the fake's clock, so ids sort by creation time as on Discord. */

/** 2015-01-01T00:00:00Z, the first second of Discord's snowflake clock. */
export const DISCORD_EPOCH = 1_420_070_400_000;

const WORKER_ID = 1n;
const INCREMENT_BITS = 12n;
const MAX_INCREMENT = (1n << INCREMENT_BITS) - 1n;

/** The creation time (epoch ms) encoded in a snowflake. */
export function snowflakeTime(id: string): number {
  return Number(BigInt(id) >> 22n) + DISCORD_EPOCH;
}

/** Orders snowflakes numerically (their strings do not sort by length). */
export function compareSnowflakes(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Issues unique snowflakes; ids for "now" never go backwards even when the clock stands still. */
export class SnowflakeGenerator {
  readonly #now: () => number;
  #last = 0n;
  #increment = 0n;

  constructor(now: () => number) {
    this.#now = now;
  }

  /** A new id for the current clock time, greater than every id this generator gave for "now". */
  next(): string {
    let id = this.#compose(this.#now());
    if (id <= this.#last) id = this.#last + 1n;
    this.#last = id;
    return id.toString();
  }

  /** A unique id stamped with a past time (seeded history); it does not move the "now" sequence. */
  at(epochMs: number): string {
    return this.#compose(epochMs).toString();
  }

  #compose(epochMs: number): bigint {
    this.#increment = (this.#increment + 1n) & MAX_INCREMENT;
    const ms = BigInt(Math.max(0, Math.floor(epochMs) - DISCORD_EPOCH));
    return (ms << 22n) | (WORKER_ID << 17n) | this.#increment;
  }
}
