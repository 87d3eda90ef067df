import { describe, expect, it } from 'vitest';
import type { FixtureRequest } from '../web/fixture-web.ts';
import { busiestHostTimeline } from './host-timeline.ts';

const origins = { news: 'http://127.0.0.1:1001', blog: 'http://127.0.0.1:1002' };
const page = (links: string[]) => Buffer.from(links.map((l) => `<a href="${l}">x</a>`).join(''));
const req = (host: string, path: string, at: number, ended: number, body?: Buffer): FixtureRequest => ({
  host: host as FixtureRequest['host'],
  method: 'GET',
  path,
  at,
  ended_at: ended,
  ...(body ? { body_head: body } : {}),
});

describe('busiestHostTimeline', () => {
  it('splits each gap into the delay, idle with no known URL, and overhead with one known', () => {
    const log = [
      // t=0: the seed; its page reveals /a only.
      req('news', '/', 0, 2, page(['/a'])),
      // /a sent 130 ms after the seed ended: 100 delay + 28 overhead (/a known since 2).
      req('news', '/a', 130, 131, page([])),
      // The blog page at 300 reveals /b (and a fragment-only variant) on news, at 305.
      req('blog', '/', 300, 305, page([`${origins.news}/b#top`])),
      // /b sent at 340: free at 231, idle until 305, then 35 overhead.
      req('news', '/b', 340, 341, Buffer.from('<loc>ignored</loc>')),
      // Last request of the crawl: the blog at 500.
      req('blog', '/x', 500, 501),
    ];
    const t = busiestHostTimeline(log, origins, 100);
    expect(t).toEqual({
      host: 'news',
      requests: 3,
      elapsed_ms: 500,
      bound_ms: 200,
      head_ms: 0,
      tail_ms: 159,
      fetch_ms: 4,
      delay_wait_ms: 200,
      idle_no_work_ms: 74,
      overhead_ms: 63,
      gaps_with_ready_url: 1,
      known_from_start: 1,
      median_overhead_ms: 35,
      median_idle_no_work_ms: 74,
    });
    // Every millisecond of the crawl is in exactly one part.
    if (!t) throw new Error('no timeline');
    expect(t.head_ms + t.fetch_ms + t.delay_wait_ms + t.idle_no_work_ms + t.overhead_ms + t.tail_ms).toBe(
      t.elapsed_ms,
    );
  });

  it('reads redirect targets and gzipped sitemaps as revealed URLs', async () => {
    const { gzipSync } = await import('node:zlib');
    const log = [
      { ...req('news', '/r', 0, 1), location: '/target' },
      req('news', '/sitemap.xml.gz', 150, 151, gzipSync(`<urlset><loc>${origins.news}/s</loc></urlset>`)),
      req('news', '/target', 260, 261),
      req('news', '/s', 400, 401),
    ];
    const t = busiestHostTimeline(log, origins, 100);
    // /target known from 1: every gap after the first has a ready URL; only the two seeds start known.
    expect(t).toMatchObject({ requests: 4, known_from_start: 2, idle_no_work_ms: 0, gaps_with_ready_url: 3 });
    expect(t?.overhead_ms).toBe(49 + 9 + 39);
  });
});
