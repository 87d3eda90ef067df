/**
 * Discord's invalid-request limit: 401, 403 and 429 responses (except `shared`-scope 429s) count
 * towards a Cloudflare ban at 10,000 per 10 minutes
 * (https://discord.com/developers/docs/topics/rate-limits#invalid-request-limit-aka-cloudflare-bans).
 */

/** Discord's window for invalid requests. */
export const INVALID_REQUEST_WINDOW_MS = 600_000;

/** What `GET /__fake/invalid-requests` answers. */
export interface InvalidRequestSnapshot {
  count: number;
  window_s: number;
  by_status: Record<string, number>;
  by_bot: Record<string, number>;
}

interface Entry {
  at: number;
  bot: string;
  status: number;
}

/** A sliding window of invalid responses, keyed by bot user id (or `anonymous`). */
export class InvalidRequestCounter {
  readonly #now: () => number;
  #entries: Entry[] = [];

  constructor(now: () => number) {
    this.#now = now;
  }

  /** Notes a response if Discord would count it as invalid. */
  record(bot: string, status: number, scope?: string): void {
    if (status !== 401 && status !== 403 && status !== 429) return;
    if (status === 429 && scope === 'shared') return;
    this.#entries.push({ at: this.#now(), bot, status });
  }

  /** The invalid responses in the last 10 minutes, for one bot or all. */
  snapshot(bot?: string): InvalidRequestSnapshot {
    const since = this.#now() - INVALID_REQUEST_WINDOW_MS;
    // Entries arrive in clock order, so everything before the first live one has expired.
    const firstLive = this.#entries.findIndex((e) => e.at > since);
    this.#entries = firstLive === -1 ? [] : this.#entries.slice(firstLive);
    const snapshot: InvalidRequestSnapshot = {
      count: 0,
      window_s: INVALID_REQUEST_WINDOW_MS / 1000,
      by_status: {},
      by_bot: {},
    };
    for (const entry of this.#entries) {
      if (bot !== undefined && entry.bot !== bot) continue;
      snapshot.count += 1;
      snapshot.by_status[entry.status] = (snapshot.by_status[entry.status] ?? 0) + 1;
      snapshot.by_bot[entry.bot] = (snapshot.by_bot[entry.bot] ?? 0) + 1;
    }
    return snapshot;
  }

  /** Forgets every entry. */
  reset(): void {
    this.#entries = [];
  }
}
