/**
 * robots.txt per RFC 9309: parsing into groups, picking the groups for a crawler's product token, and
 * matching a URL's path with `*` and `$`, longest match winning and allow winning a tie.
 */
import { normalizePercentEncoding } from './url-canonicalizer.ts';

/** RFC 9309 §2.5: crawlers must parse at least 500 KiB; what follows is ignored. */
export const ROBOTS_MAX_BYTES = 500 * 1024;

export interface RobotsRule {
  allow: boolean;
  /** Percent-encoding normalized; may hold `*` and a trailing `$`. */
  pattern: string;
}

export interface RobotsGroup {
  /** Lower-cased product tokens from the group's user-agent lines (`*` for any). */
  agents: string[];
  rules: RobotsRule[];
  crawl_delay_s?: number | undefined;
}

export interface RobotsTxt {
  groups: RobotsGroup[];
  /** Absolute sitemap URLs, in file order (they belong to no group). */
  sitemaps: string[];
}

/** The rules that apply to one crawler: the matched groups combined (§2.2.1). */
export interface RobotsRules {
  rules: RobotsRule[];
  crawl_delay_s: number | undefined;
  /** Which group answered: a product token, `*`, or none. */
  matched: string | undefined;
}

export interface RobotsVerdict {
  allowed: boolean;
  /** The deciding rule, or undefined when no rule matched (allowed by default). */
  rule: RobotsRule | undefined;
}

/** The product token of a user agent (`PrometheanBot/1.0 (+https://…)` → `prometheanbot`), §2.2.1. */
export function productToken(userAgent: string): string {
  return (/^[A-Za-z_-]+/.exec(userAgent.trim())?.[0] ?? '').toLowerCase();
}

/** Parses a robots.txt body; unknown lines and malformed lines are skipped (§2.2). */
export function parseRobotsTxt(text: string): RobotsTxt {
  const groups: RobotsGroup[] = [];
  const sitemaps: string[] = [];
  let current: RobotsGroup | undefined;
  // A user-agent line after a rule starts a new group; consecutive user-agent lines share one.
  let lastWasAgent = false;
  const body = text.length > ROBOTS_MAX_BYTES ? text.slice(0, ROBOTS_MAX_BYTES) : text;
  for (const rawLine of body.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/)) {
    const line = rawLine.replace(/#.*$/, '').trim();
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const key = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (key === 'user-agent') {
      if (!current || !lastWasAgent) {
        current = { agents: [], rules: [] };
        groups.push(current);
      }
      const token = value === '*' ? '*' : productToken(value);
      if (token !== '') current.agents.push(token);
      lastWasAgent = true;
      continue;
    }
    if (key === 'sitemap') {
      if (value !== '') sitemaps.push(value);
      continue;
    }
    lastWasAgent = false;
    if (!current) continue; // rules before any user-agent line belong to no group
    if (key === 'allow' || key === 'disallow') {
      // An empty disallow allows everything: it is simply no rule.
      if (value === '') continue;
      current.rules.push({ allow: key === 'allow', pattern: normalizePattern(value) });
    } else if (key === 'crawl-delay') {
      const seconds = Number(value);
      if (Number.isFinite(seconds) && seconds >= 0) current.crawl_delay_s = seconds;
    }
  }
  return { groups, sitemaps };
}

function normalizePattern(value: string): string {
  const path = value.startsWith('/') || value.startsWith('*') ? value : `/${value}`;
  return normalizePercentEncoding(path);
}

/**
 * The rules for a crawler: every group naming its product token, combined; otherwise every `*`
 * group, combined; otherwise none (everything allowed).
 */
export function rulesFor(robots: RobotsTxt, userAgent: string): RobotsRules {
  const token = productToken(userAgent);
  const pick = (name: string) => robots.groups.filter((g) => g.agents.includes(name));
  const own = token === '' ? [] : pick(token);
  const chosen = own.length > 0 ? own : pick('*');
  const delays = chosen.map((g) => g.crawl_delay_s).filter((d): d is number => d !== undefined);
  return {
    rules: chosen.flatMap((g) => g.rules),
    crawl_delay_s: delays.length === 0 ? undefined : Math.max(...delays),
    matched: own.length > 0 ? token : chosen.length > 0 ? '*' : undefined,
  };
}

/**
 * Whether `pattern` matches the start of `path`: `*` is any run of characters, a final `$` anchors
 * the end. Greedy-with-backtrack-to-last-star, so a pattern full of stars stays linear-ish rather
 * than exponential (no regular expression built from untrusted text).
 */
export function patternMatches(pattern: string, path: string): boolean {
  const anchored = pattern.endsWith('$');
  const p = anchored ? pattern.slice(0, -1) : pattern;
  let pi = 0;
  let si = 0;
  let star = -1;
  let mark = 0;
  while (si < path.length) {
    if (pi < p.length && p[pi] === '*') {
      star = pi++;
      mark = si;
    } else if (pi < p.length && p[pi] === path[si]) {
      pi++;
      si++;
    } else if (pi === p.length && !anchored) {
      return true; // the pattern is a prefix of the path
    } else if (star !== -1) {
      pi = star + 1;
      si = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.length && p[pi] === '*') pi++;
  return pi === p.length;
}

/** The path and query a rule is matched against, percent-encoding normalized (§2.2.2). */
export function matchTarget(url: string | URL): string {
  const u = typeof url === 'string' ? new URL(url) : url;
  return normalizePercentEncoding(`${u.pathname}${u.search}`);
}

/** The specificity of a rule: octets of its pattern (§2.2.2, "the match that has the most octets"). */
function specificity(rule: RobotsRule): number {
  return new TextEncoder().encode(rule.pattern).length;
}

/** Decides one URL for one crawler. `/robots.txt` itself is always allowed (§2.2.2). */
export function isAllowed(rules: RobotsRules, url: string | URL): RobotsVerdict {
  const target = matchTarget(url);
  if (target === '/robots.txt') return { allowed: true, rule: undefined };
  let best: RobotsRule | undefined;
  for (const rule of rules.rules) {
    if (!patternMatches(rule.pattern, target)) continue;
    if (
      !best ||
      specificity(rule) > specificity(best) ||
      (specificity(rule) === specificity(best) && rule.allow && !best.allow)
    ) {
      best = rule;
    }
  }
  return { allowed: best ? best.allow : true, rule: best };
}

/** Rules that allow everything (robots.txt answered 4xx: "unavailable", §2.3.1.3). */
export const ALLOW_ALL: RobotsRules = Object.freeze({
  rules: Object.freeze([]) as unknown as RobotsRule[],
  crawl_delay_s: undefined,
  matched: undefined,
});

/** Rules that disallow everything (robots.txt unreachable: 5xx or network, §2.3.1.4). */
export const DISALLOW_ALL: RobotsRules = Object.freeze({
  rules: Object.freeze([{ allow: false, pattern: '/' }]) as unknown as RobotsRule[],
  crawl_delay_s: undefined,
  matched: undefined,
});
