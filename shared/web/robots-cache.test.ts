import { describe, expect, it } from 'vitest';
import {
  entryRules,
  isFresh,
  ROBOTS_TTL_MS,
  ROBOTS_UNREACHABLE_RECHECK_MS,
  robotsEntryFor,
} from './robots-cache.ts';
import { isAllowed } from './robots-txt.ts';

const O = 'https://a.test';
const allowedAfter = (
  outcome: Parameters<typeof robotsEntryFor>[1],
  previous?: Parameters<typeof robotsEntryFor>[3],
) => isAllowed(entryRules(robotsEntryFor(O, outcome, 1000, previous), 'PrometheanBot'), `${O}/page`).allowed;

describe('robots.txt fetch-failure rules', () => {
  it('parses a 2xx answer and caches it for a day', () => {
    const e = robotsEntryFor(
      O,
      { kind: 'answered', status: 200, body: 'user-agent: *\ndisallow: /page' },
      1000,
    );
    expect(e.state).toBe('parsed');
    expect(e.expires_at).toBe(1000 + ROBOTS_TTL_MS);
    expect(isAllowed(entryRules(e, 'b'), `${O}/page`).allowed).toBe(false);
    expect(isFresh(e, 1000 + ROBOTS_TTL_MS - 1)).toBe(true);
    expect(isFresh(e, 1000 + ROBOTS_TTL_MS)).toBe(false);
  });
  it.each([401, 403, 404, 410])('allows everything after a %i', (status) => {
    expect(allowedAfter({ kind: 'answered', status })).toBe(true);
  });
  it.each([429, 500, 503])('disallows everything after a %i, rechecking soon', (status) => {
    expect(allowedAfter({ kind: 'answered', status })).toBe(false);
    expect(robotsEntryFor(O, { kind: 'answered', status }, 1000).expires_at).toBe(
      1000 + ROBOTS_UNREACHABLE_RECHECK_MS,
    );
  });
  it('disallows everything when the host does not answer', () => {
    expect(allowedAfter({ kind: 'unreachable', detail: 'timeout' })).toBe(false);
  });
  it('keeps the last good copy through an unreachable spell', () => {
    const good = robotsEntryFor(
      O,
      { kind: 'answered', status: 200, body: 'user-agent: *\ndisallow: /private' },
      0,
    );
    expect(allowedAfter({ kind: 'answered', status: 503 }, good)).toBe(true);
  });
});
