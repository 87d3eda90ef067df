import { describe, expect, it } from 'vitest';
import {
  ALLOW_ALL,
  DISALLOW_ALL,
  isAllowed,
  parseRobotsTxt,
  patternMatches,
  productToken,
  rulesFor,
} from './robots-txt.ts';

function allowed(robots: string, agent: string, url: string): boolean {
  return isAllowed(rulesFor(parseRobotsTxt(robots), agent), url).allowed;
}

// RFC 9309 §5.1, "Simple Example".
const RFC_SIMPLE = `User-Agent: *
Disallow: *.gif$
Disallow: /example/
Allow: /publications/

User-Agent: foobot
Disallow:/
Allow:/example/page.html
Allow:/example/allowed.gif

User-Agent: barbot
User-Agent: bazbot
Disallow: /example/page.html

User-Agent: quxbot

EOF
`;

describe('RFC 9309 §5.1 simple example', () => {
  it.each([
    ['anybot', 'https://www.example.com/example/page.html', false],
    ['anybot', 'https://www.example.com/picture.gif', false],
    ['anybot', 'https://www.example.com/publications/', true],
    ['anybot', 'https://www.example.com/index.html', true],
    ['foobot', 'https://www.example.com/example/page.html', true],
    ['foobot', 'https://www.example.com/example/allowed.gif', true],
    ['foobot', 'https://www.example.com/example/other.html', false],
    ['foobot', 'https://www.example.com/', false],
    ['barbot', 'https://www.example.com/example/page.html', false],
    ['bazbot', 'https://www.example.com/example/page.html', false],
    ['barbot', 'https://www.example.com/example/other.html', true],
    // barbot's own group has no *.gif rule, and the * group does not apply to it.
    ['barbot', 'https://www.example.com/picture.gif', true],
    // quxbot's group is empty: everything is allowed.
    ['quxbot', 'https://www.example.com/example/page.html', true],
    ['quxbot', 'https://www.example.com/picture.gif', true],
  ])('%s on %s → %s', (agent, url, expected) => {
    expect(allowed(RFC_SIMPLE, agent, url)).toBe(expected);
  });
});

describe('RFC 9309 §5.2 longest match', () => {
  const robots = 'User-Agent: foobot\nAllow: /example/page/\nDisallow: /example/page/disallowed.gif\n';
  it('allows the directory and disallows the longer, more specific file', () => {
    expect(allowed(robots, 'foobot', 'https://www.example.com/example/page/')).toBe(true);
    expect(allowed(robots, 'foobot', 'https://www.example.com/example/page/disallowed.gif')).toBe(false);
  });
});

describe('RFC 9309 §2.2.1 user-agent groups', () => {
  const robots = `user-agent: ExampleBot
disallow: /foo
disallow: /bar

user-agent: *
disallow: /baz

user-agent: examplebot
disallow: /qux
`;
  it('matches the product token case-insensitively and combines its groups', () => {
    expect(
      allowed(robots, 'ExampleBot/1.2 (+https://example.com/bot)', '/foo'.replace(/^/, 'https://a.test')),
    ).toBe(false);
    expect(allowed(robots, 'examplebot', 'https://a.test/qux')).toBe(false);
    expect(allowed(robots, 'EXAMPLEBOT', 'https://a.test/bar')).toBe(false);
    // The * group does not apply to a crawler that has its own group.
    expect(allowed(robots, 'examplebot', 'https://a.test/baz')).toBe(true);
  });
  it('falls back to * and otherwise to no rules', () => {
    expect(allowed(robots, 'otherbot', 'https://a.test/baz')).toBe(false);
    expect(allowed(robots, 'otherbot', 'https://a.test/foo')).toBe(true);
    expect(allowed('user-agent: a\ndisallow: /\n', 'b', 'https://a.test/x')).toBe(true);
  });
  it('takes the product token of a full user-agent string', () => {
    expect(productToken('PrometheanBot/0.1 (+https://x.test)')).toBe('prometheanbot');
    expect(productToken('  Foo-Bot_2')).toBe('foo-bot_');
  });
  it('ignores rules before any user-agent line and keeps a rule-less group empty', () => {
    expect(allowed('disallow: /\nuser-agent: *\nallow: /x\n', 'a', 'https://a.test/y')).toBe(true);
  });
  it('starts a new group at a user-agent line that follows a rule', () => {
    const r = parseRobotsTxt('user-agent: a\nuser-agent: b\ndisallow: /1\nuser-agent: c\ndisallow: /2\n');
    expect(r.groups.map((g) => g.agents)).toEqual([['a', 'b'], ['c']]);
  });
});

describe('RFC 9309 §2.2.2 / §2.2.3 matching', () => {
  it('allows everything on an empty disallow', () => {
    expect(allowed('user-agent: *\ndisallow:\n', 'a', 'https://a.test/anything')).toBe(true);
  });
  it('gives allow the tie between equally long rules', () => {
    const robots = 'user-agent: *\ndisallow: /page\nallow: /page\n';
    expect(allowed(robots, 'a', 'https://a.test/page')).toBe(true);
    const reversed = 'user-agent: *\nallow: /page\ndisallow: /page\n';
    expect(allowed(reversed, 'a', 'https://a.test/page')).toBe(true);
  });
  it('treats * as any run and $ as the end', () => {
    const robots = 'user-agent: *\ndisallow: /this/*/exactly$\nallow: /\n';
    expect(allowed(robots, 'a', 'https://a.test/this/path/exactly')).toBe(false);
    expect(allowed(robots, 'a', 'https://a.test/this/path/exactly/not')).toBe(true);
    expect(allowed(robots, 'a', 'https://a.test/this/a/b/exactly')).toBe(false);
    expect(allowed('user-agent: *\ndisallow: /*.php$\n', 'a', 'https://a.test/x.php?q=1')).toBe(true);
    expect(allowed('user-agent: *\ndisallow: /*.php\n', 'a', 'https://a.test/x.php?q=1')).toBe(false);
    expect(allowed('user-agent: *\ndisallow: /*?sessionid=\n', 'a', 'https://a.test/p?sessionid=9')).toBe(
      false,
    );
  });
  it('matches the query as part of the path', () => {
    expect(
      allowed('user-agent: *\ndisallow: /foo/bar?baz=quz\n', 'a', 'https://a.test/foo/bar?baz=quz'),
    ).toBe(false);
  });
  it.each([
    // §2.2.2's table: octets outside US-ASCII are percent-encoded, encoded unreserved characters are decoded.
    ['/foo/bar/ツ', 'https://a.test/foo/bar/%E3%83%84'],
    ['/foo/bar/%E3%83%84', 'https://a.test/foo/bar/%E3%83%84'],
    ['/foo/bar/%e3%83%84', 'https://a.test/foo/bar/%E3%83%84'],
    ['/foo/bar/%62%61%7A', 'https://a.test/foo/bar/baz'],
  ])('percent-encoding: disallow %s matches %s', (pattern, url) => {
    expect(allowed(`user-agent: *\ndisallow: ${pattern}\n`, 'a', url)).toBe(false);
  });
  it('always allows /robots.txt', () => {
    expect(allowed('user-agent: *\ndisallow: /\n', 'a', 'https://a.test/robots.txt')).toBe(true);
  });
  it('strips comments and tolerates CRLF, a BOM and odd spacing', () => {
    const robots = '\uFEFFUser-agent:*  # all\r\nDisallow :   /private # secret\r\n';
    expect(allowed(robots, 'a', 'https://a.test/private/x')).toBe(false);
    expect(allowed(robots, 'a', 'https://a.test/public')).toBe(true);
  });
  it('stays fast on a pathological pattern', () => {
    const pattern = `/${'*a'.repeat(200)}$`;
    expect(patternMatches(pattern, `/${'a'.repeat(2000)}b`)).toBe(false);
  });
});

describe('crawl-delay and sitemaps', () => {
  it('reads crawl-delay per group and sitemap lines globally', () => {
    const r = parseRobotsTxt(
      'Sitemap: https://a.test/s1.xml\nuser-agent: *\ncrawl-delay: 2.5\ndisallow: /x\nsitemap: https://a.test/s2.xml.gz\n',
    );
    expect(rulesFor(r, 'bot').crawl_delay_s).toBe(2.5);
    expect(r.sitemaps).toEqual(['https://a.test/s1.xml', 'https://a.test/s2.xml.gz']);
  });
  it('ignores a malformed crawl-delay', () => {
    expect(rulesFor(parseRobotsTxt('user-agent: *\ncrawl-delay: soon\n'), 'b').crawl_delay_s).toBeUndefined();
  });
});

describe('fixed rule sets', () => {
  it('allow-all and disallow-all', () => {
    expect(isAllowed(ALLOW_ALL, 'https://a.test/x').allowed).toBe(true);
    expect(isAllowed(DISALLOW_ALL, 'https://a.test/x').allowed).toBe(false);
    expect(isAllowed(DISALLOW_ALL, 'https://a.test/robots.txt').allowed).toBe(true);
  });
});
