import { describe, expect, it } from 'vitest';
import { extractHtml } from './html-extraction.ts';

const PAGE = `<!doctype html><html lang="EN-gb"><head><title> Duck &amp; Pond </title>
<meta name="description" content="All about ducks">
<link rel="canonical" href="/ducks">
<script>var x = "<a href='/script-link'>no</a>";</script><style>p{}</style></head>
<body><nav><a href="/home">Home</a> Menu text</nav>
<main><h1>Ducks</h1><p>Mallards   paddle.</p><p>They <a href="pond.html#top">visit the <b>pond</b></a> daily.</p></main>
<form action="/login" method="post"><input name="user"><a href="/inside-form">x</a><button>Log in</button></form>
<a href="https://other.test/x" rel="nofollow ugc">elsewhere</a>
<a href="mailto:duck@example.com">mail</a>
<footer>Copyright</footer></body></html>`;

describe('extractHtml', () => {
  const page = extractHtml(PAGE, 'https://a.test/birds/index.html', 'PrometheanBot/0.1');

  it('reads title, language, description and canonical', () => {
    expect(page.title).toBe('Duck & Pond');
    expect(page.lang).toBe('en-gb');
    expect(page.description).toBe('All about ducks');
    expect(page.canonical).toBe('https://a.test/ducks');
  });

  it('keeps readable text without scripts, navigation, forms or footers', () => {
    expect(page.text).toContain('Mallards paddle.');
    expect(page.text).toContain('They visit the pond daily.');
    expect(page.text).not.toContain('Menu text');
    expect(page.text).not.toContain('Copyright');
    expect(page.text).not.toContain('Log in');
    expect(page.text).not.toContain('var x');
  });

  it('resolves links with their anchor text, and never takes one from a form or a script', () => {
    expect(page.links).toEqual([
      { href: 'https://a.test/home', text: 'Home', nofollow: false },
      { href: 'https://a.test/birds/pond.html#top', text: 'visit the pond', nofollow: false },
      { href: 'https://other.test/x', text: 'elsewhere', nofollow: true },
      { href: 'mailto:duck@example.com', text: 'mail', nofollow: false },
    ]);
  });

  it('keeps the title out of the text even without a <head>', () => {
    expect(extractHtml('<title>T</title><p>Hello</p>', 'https://a.test/', 'b')).toMatchObject({
      title: 'T',
      text: 'Hello',
    });
  });

  it('honours <base href>', () => {
    const p = extractHtml('<base href="https://cdn.test/root/"><a href="x">x</a>', 'https://a.test/', 'b');
    expect(p.links[0]?.href).toBe('https://cdn.test/root/x');
  });

  it.each([
    ['<meta name="robots" content="noindex">', { noindex: true, nofollow: false }],
    ['<meta name="ROBOTS" content="NoFollow, noarchive">', { noindex: false, nofollow: true }],
    ['<meta name="robots" content="none">', { noindex: true, nofollow: true }],
    ['<meta name="prometheanbot" content="noindex">', { noindex: true, nofollow: false }],
    ['<meta name="otherbot" content="noindex">', { noindex: false, nofollow: false }],
  ])('reads %s', (meta, expected) => {
    expect(
      extractHtml(`<html><head>${meta}</head><body>x</body></html>`, 'https://a.test/', 'PrometheanBot')
        .robots,
    ).toEqual(expected);
  });

  it('reads the X-Robots-Tag header, with or without an agent name', () => {
    expect(
      extractHtml('<p>x</p>', 'https://a.test/', 'PrometheanBot', 'prometheanbot: nofollow').robots.nofollow,
    ).toBe(true);
    expect(extractHtml('<p>x</p>', 'https://a.test/', 'PrometheanBot', 'noindex').robots.noindex).toBe(true);
  });

  it('falls back to the whole body when the main element is short', () => {
    const p = extractHtml(
      '<body><main>Hi</main><div>Body text that matters</div></body>',
      'https://a.test/',
      'b',
    );
    expect(p.text).toBe('Hi\nBody text that matters');
  });
});
