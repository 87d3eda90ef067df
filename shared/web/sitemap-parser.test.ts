import { describe, expect, it } from 'vitest';
import { gunzipCapped, parseSitemap, parseSitemapBytes, SitemapTooLargeError } from './sitemap-parser.ts';

async function gzip(text: string): Promise<Uint8Array> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

const URLSET = `<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc>https://a.test/one</loc><lastmod>2026-11-01</lastmod></url>
  <url><loc> https://a.test/two?x=1&amp;y=2 </loc></url>
  <url><lastmod>2026-11-01</lastmod></url>
</urlset>`;

const INDEX = `<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>https://a.test/s1.xml</loc></sitemap>
  <sitemap><loc>https://a.test/s2.xml.gz</loc><lastmod>2026-10-01</lastmod></sitemap>
</sitemapindex>`;

describe('sitemaps', () => {
  it('reads a urlset, decoding entities and skipping entries without loc', () => {
    expect(parseSitemap(URLSET)).toEqual({
      kind: 'urlset',
      urls: [{ loc: 'https://a.test/one', lastmod: '2026-11-01' }, { loc: 'https://a.test/two?x=1&y=2' }],
    });
  });
  it('reads a sitemap index', () => {
    const s = parseSitemap(INDEX);
    expect(s.kind === 'index' && s.sitemaps.map((e) => e.loc)).toEqual([
      'https://a.test/s1.xml',
      'https://a.test/s2.xml.gz',
    ]);
  });
  it('reads a single-entry urlset and a text sitemap', () => {
    expect(parseSitemap('<urlset><url><loc>https://a.test/</loc></url></urlset>')).toEqual({
      kind: 'urlset',
      urls: [{ loc: 'https://a.test/' }],
    });
    expect(parseSitemap('https://a.test/a\nnot a url\nhttps://a.test/b\n')).toEqual({
      kind: 'urlset',
      urls: [{ loc: 'https://a.test/a' }, { loc: 'https://a.test/b' }],
    });
  });
  it('says what is wrong with something that is not a sitemap', () => {
    expect(parseSitemap('<html><body>hi</body></html>')).toMatchObject({ kind: 'invalid' });
  });
  it('gunzips a gzipped sitemap', async () => {
    expect(await parseSitemapBytes(await gzip(INDEX))).toMatchObject({ kind: 'index' });
  });
  it('stops a gzip bomb at the cap', async () => {
    const bomb = await gzip('a'.repeat(2_000_000));
    await expect(gunzipCapped(bomb, 100_000)).rejects.toBeInstanceOf(SitemapTooLargeError);
  });
});
