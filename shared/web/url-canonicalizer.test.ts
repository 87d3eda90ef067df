import { describe, expect, it } from 'vitest';
import { canonicalizeUrl, carriesSessionToken } from './url-canonicalizer.ts';

function canon(raw: string, base?: string): string {
  const r = canonicalizeUrl(raw, base);
  if (!r.ok) throw new Error(`refused ${raw}: ${r.reason}`);
  return r.url;
}

describe('canonicalizeUrl', () => {
  it.each([
    ['HTTP://Example.COM/a', 'http://example.com/a'],
    ['http://example.com:80/a', 'http://example.com/a'],
    ['https://example.com:443/a', 'https://example.com/a'],
    ['https://example.com:8443/a', 'https://example.com:8443/a'],
    ['https://example.com', 'https://example.com/'],
    ['https://example.com/a#section', 'https://example.com/a'],
    ['https://example.com//a///b', 'https://example.com/a/b'],
    ['https://example.com/a/./b/../c', 'https://example.com/a/c'],
    ['https://example.com/?b=2&a=1', 'https://example.com/?a=1&b=2'],
    ['https://example.com/?a=2&a=1', 'https://example.com/?a=2&a=1'],
    ['https://example.com/p?utm_source=x&utm_medium=y&id=3&fbclid=abc&gclid=q', 'https://example.com/p?id=3'],
    ['https://example.com/p?sid=abc123&x=1', 'https://example.com/p?x=1'],
    ['https://example.com/p;jsessionid=ABCDEF?x=1', 'https://example.com/p?x=1'],
    ['https://example.com/p?', 'https://example.com/p'],
    ['https://example.com/%7euser/%e3%83%84', 'https://example.com/~user/%E3%83%84'],
    ['https://bücher.example/', 'https://xn--bcher-kva.example/'],
    ['https://example.com./a', 'https://example.com/a'],
    ['https://example.com/q?x=a+b', 'https://example.com/q?x=a%20b'],
  ])('%s → %s', (input, expected) => {
    expect(canon(input)).toBe(expected);
  });

  it('resolves relative links against the page', () => {
    expect(canon('../c?utm_campaign=z#top', 'https://example.com/a/b/page.html')).toBe(
      'https://example.com/a/c',
    );
    expect(canon('//other.example/x', 'https://example.com/')).toBe('https://other.example/x');
  });

  it('keeps the host and origin separately', () => {
    const r = canonicalizeUrl('http://127.0.0.1:4001/x');
    expect(r).toMatchObject({ ok: true, host: '127.0.0.1:4001', origin: 'http://127.0.0.1:4001' });
  });

  it.each([
    ['mailto:a@example.com', 'scheme'],
    ['javascript:alert(1)', 'scheme'],
    ['ftp://example.com/x', 'scheme'],
    ['https://user:pw@example.com/', 'userinfo'],
    ['http://[::1', 'invalid_url'],
    [`https://example.com/${'a'.repeat(3000)}`, 'too_long'],
  ])('refuses %s (%s)', (input, reason) => {
    expect(canonicalizeUrl(input)).toMatchObject({ ok: false, reason });
  });

  it('applies deny patterns to the canonical form', () => {
    const deny = [/\/calendar\/\d{4}/, /\.(zip|exe)$/];
    expect(canonicalizeUrl('https://e.test/calendar/2031/01', undefined, { deny })).toMatchObject({
      reason: 'denied',
    });
    expect(canonicalizeUrl('https://e.test/file.ZIP', undefined, { deny })).toMatchObject({ ok: true });
    expect(canonicalizeUrl('https://e.test/file.zip', undefined, { deny })).toMatchObject({
      reason: 'denied',
    });
  });

  it('is idempotent', () => {
    for (const u of ['https://Ex.com//a/%7e?b=1&a=2&utm_x=3#f', 'https://bücher.example/ツ?q=a+b']) {
      expect(canon(canon(u))).toBe(canon(u));
    }
  });
});

describe('carriesSessionToken', () => {
  it('spots session keys in the query and in path parameters', () => {
    expect(carriesSessionToken('https://e.test/a?PHPSESSID=1')).toBe(true);
    expect(carriesSessionToken('https://e.test/a;jsessionid=1')).toBe(true);
    expect(carriesSessionToken('https://e.test/a?page=2')).toBe(false);
  });
});
