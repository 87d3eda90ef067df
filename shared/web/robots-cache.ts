/**
 * robots.txt fetch-failure rules (RFC 9309 §2.3.1) and caching (§2.4), per host: 2xx is parsed, 4xx
 * means "unavailable" (allow all), 5xx, 429 or no answer means "unreachable" (disallow all) until a
 * short recheck. Entries are plain data, so a Durable Object can persist them as they are.
 */
import {
  ALLOW_ALL,
  DISALLOW_ALL,
  parseRobotsTxt,
  type RobotsRules,
  type RobotsTxt,
  rulesFor,
} from './robots-txt.ts';

/** §2.4: a fetched robots.txt is not trusted for longer than a day. */
export const ROBOTS_TTL_MS = 24 * 60 * 60 * 1000;
/** How soon an unreachable robots.txt is asked for again (the host is fully disallowed meanwhile). */
export const ROBOTS_UNREACHABLE_RECHECK_MS = 10 * 60 * 1000;

export type RobotsState = 'parsed' | 'unavailable' | 'unreachable';

export interface RobotsEntry {
  origin: string;
  state: RobotsState;
  /** Present when parsed (and kept through an unreachable spell, as §2.4 allows). */
  robots?: RobotsTxt | undefined;
  status: number | undefined;
  fetched_at: number;
  expires_at: number;
}

/** What fetching `<origin>/robots.txt` gave. */
export type RobotsFetchOutcome =
  | { kind: 'answered'; status: number; body?: string | undefined }
  | { kind: 'unreachable'; detail: string };

/** The cache entry for an outcome; `previous` is the entry it replaces, if any. */
export function robotsEntryFor(
  origin: string,
  outcome: RobotsFetchOutcome,
  now: number,
  previous?: RobotsEntry,
): RobotsEntry {
  if (outcome.kind === 'answered' && outcome.status >= 200 && outcome.status <= 299) {
    return {
      origin,
      state: 'parsed',
      robots: parseRobotsTxt(outcome.body ?? ''),
      status: outcome.status,
      fetched_at: now,
      expires_at: now + ROBOTS_TTL_MS,
    };
  }
  // A 429 is the server saying it cannot serve us now: treated as unreachable, not as "no robots.txt".
  if (
    outcome.kind === 'answered' &&
    outcome.status >= 400 &&
    outcome.status <= 499 &&
    outcome.status !== 429
  ) {
    return {
      origin,
      state: 'unavailable',
      status: outcome.status,
      fetched_at: now,
      expires_at: now + ROBOTS_TTL_MS,
    };
  }
  return {
    origin,
    state: 'unreachable',
    robots: previous?.robots,
    status: outcome.kind === 'answered' ? outcome.status : undefined,
    fetched_at: now,
    expires_at: now + ROBOTS_UNREACHABLE_RECHECK_MS,
  };
}

/** The rules an entry gives a crawler; an unreachable host with a last good copy keeps that copy's rules. */
export function entryRules(entry: RobotsEntry, userAgent: string): RobotsRules {
  if (entry.state === 'unavailable') return ALLOW_ALL;
  if (!entry.robots) return DISALLOW_ALL;
  return rulesFor(entry.robots, userAgent);
}

export function isFresh(entry: RobotsEntry | undefined, now: number): entry is RobotsEntry {
  return entry !== undefined && now < entry.expires_at;
}
