import { describe, expect, it } from 'vitest';
import { extractHtml } from './html-extraction.ts';
import { readableText } from './readable-text.ts';

// Boilerplate without semantic tags: the streaming extraction cannot tell it from content.
const BLOG = `<!doctype html><html lang="en"><head><title>Pond notes</title></head><body>
<div id="top-bar"><a href="/">Home</a> <a href="/about">About</a> <a href="/shop">Shop</a> Subscribe now</div>
<div class="sidebar"><h3>Popular</h3><ul><li><a href="/a">Ten best ponds</a></li><li><a href="/b">Duck food</a></li></ul></div>
<div class="post"><h1>Why mallards dabble</h1>
<p>Mallards feed by dabbling: they tip forward in shallow water and graze on plants, seeds and small
animals just below the surface, so they never need to dive the way diving ducks do.</p>
<p>Dabbling keeps them in the shallows at the edge of ponds and rivers, where food is plentiful and
where a quick take-off from the water surface keeps them safe from most predators.</p>
<p>Their broad, flat bills carry fine comb-like edges that sieve food out of the water and mud.</p>
</div>
<div class="site-footer">Copyright 2026 Pond Notes. Privacy policy. Terms of use. Cookie settings.</div>
</body></html>`;

describe('readableText', () => {
  it('keeps the article and drops unmarked navigation, sidebars and footers', () => {
    const text = readableText(BLOG) ?? '';
    expect(text).toContain('Mallards feed by dabbling');
    expect(text).toContain('sieve food out of the water and mud.');
    expect(text).not.toContain('Subscribe now');
    expect(text).not.toContain('Ten best ponds');
    expect(text).not.toContain('Cookie settings');
  });

  it('finds nothing in a page without an article, so the streaming extraction is kept', () => {
    expect(readableText('<body><main>Hi</main><div>Body text that matters</div></body>')).toBeUndefined();
    expect(readableText('')).toBeUndefined();
  });

  it('feeds extractHtml, which still reads links, title and robots from the whole page', () => {
    const page = extractHtml(BLOG, 'https://pond.test/posts/dabble', 'PrometheanBot/0.1');
    expect(page.text).toContain('Mallards feed by dabbling');
    expect(page.text).not.toContain('Subscribe now');
    expect(page.text).not.toContain('Cookie settings');
    expect(page.title).toBe('Pond notes');
    expect(page.links.map((l) => l.href)).toContain('https://pond.test/a');
    // The streaming extraction alone keeps the boilerplate: the fallback is what readability replaces.
    const streaming = extractHtml(BLOG, 'https://pond.test/posts/dabble', 'PrometheanBot/0.1', undefined, {
      readability: false,
    });
    expect(streaming.text).toContain('Subscribe now');
  });

  it('is not run for a page that marks its main content: the streaming extraction keeps it', () => {
    const paragraphs = BLOG.slice(BLOG.indexOf('<p>'), BLOG.indexOf('</div>', BLOG.indexOf('<p>')));
    const marked = `<html><head><title>Pond notes</title></head><body><nav><a href="/">Home</a></nav>
<main><h1>Why mallards dabble</h1>${paragraphs}
<div class="related">Related reading: <a href="/a">Ten best ponds</a></div></main></body></html>`;
    // Readability would drop the related block; the page's own <main> keeps it, as it is in the page.
    expect(readableText(marked) ?? '').not.toContain('Related reading');
    const page = extractHtml(marked, 'https://pond.test/posts/dabble', 'PrometheanBot/0.1');
    expect(page.text).toContain('Mallards feed by dabbling');
    expect(page.text).toContain('Related reading');
    expect(page.text).not.toContain('Home');
  });
});
