/** The robots CLI's decision as a function (file text, user agent, URL → one line and an exit code), tested beside it. */
import { isAllowed, parseRobotsTxt, rulesFor } from '@promethean/shared/web/robots-txt';

export interface RobotsCheck {
  line: string;
  /** 0 allowed, 1 disallowed, 2 usage error. */
  code: 0 | 1 | 2;
}

export const ROBOTS_USAGE = 'usage: npm run --silent robots -- <robots.txt file> <user-agent> <url>';

/** Decides `url` for `userAgent` under `robotsText`; the line names the deciding rule. */
export function checkRobots(robotsText: string, userAgent: string, url: string): RobotsCheck {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { line: `error: not an absolute URL: ${url}`, code: 2 };
  }
  const rules = rulesFor(parseRobotsTxt(robotsText), userAgent);
  const verdict = isAllowed(rules, parsed);
  const group = rules.matched === undefined ? 'no group' : `group ${rules.matched}`;
  const rule = verdict.rule
    ? `${verdict.rule.allow ? 'allow' : 'disallow'}: ${verdict.rule.pattern}`
    : 'no rule';
  return {
    line: `${verdict.allowed ? 'allowed' : 'disallowed'} ${parsed.href} (${group}, ${rule})`,
    code: verdict.allowed ? 0 : 1,
  };
}
