/**
 * The fixture web: several virtual hosts, each its own HTTP server on 127.0.0.1 (so each is one
 * exact trusted origin), with robots.txt files, sitemaps (an index, one gzipped) and the traps a
 * crawler must survive. It records every request and judges it with its own, hand-written rules,
 * independent of the crawler's robots matcher. Started and stopped by the test or bench using it.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  articleText,
  BLOG_POSTS,
  blogLinks,
  type HostRole,
  NEWS_ARTICLES,
  newsLinks,
  type Origins,
  privateTrapLinks,
  renderPage,
  WIKI_ARTICLES,
  wikiLinks,
} from './fixture-web-content.ts';

export const FIXTURE_CRAWL_DELAY_S = 0.1;
/** The calendar answers any month: an infinite trap. */
export const CALENDAR_START = { year: 2026, month: 1 };
export const HUGE_PAGE_BYTES = 50 * 1024 * 1024;

export interface FixtureRequest {
  host: HostRole;
  method: string;
  path: string;
  at: number;
  /** When the response was finished or the connection closed (the crawl-delay counts from here). */
  ended_at?: number;
  /** Why this request should not have happened, if it should not have. */
  violation?: 'robots' | 'private' | 'post' | 'nofollow';
  /**
   * The first bytes of the body and the redirect target, kept (not parsed) so `fixtureLinks` can say which
   * URLs this response revealed without costing the server's event loop during a crawl.
   */
  body_head?: Buffer;
  location?: string;
}

/** Bytes of a body kept for `fixtureLinks` (every fixture page and sitemap is smaller; the 50 MB trap is cut). */
const BODY_HEAD_BYTES = 256 * 1024;

/**
 * The absolute URLs a response revealed to a crawler: links (`href`), sitemap `<loc>` entries (gzipped too),
 * `Sitemap:` lines of robots.txt, and a redirect's target. For timelines (when a URL could first be known),
 * not for judging: the crawler's own extraction decides what it follows.
 */
export function fixtureLinks(request: FixtureRequest, origin: string): string[] {
  const base = `${origin}${request.path}`;
  const found: string[] = [];
  const add = (raw: string) => {
    try {
      found.push(new URL(raw.replaceAll('&amp;', '&'), base).href);
    } catch {
      // Not a URL: a crawler cannot follow it either.
    }
  };
  if (request.location) add(request.location);
  let body = request.body_head;
  if (!body || body.length === 0) return found;
  if (body[0] === 0x1f && body[1] === 0x8b) {
    try {
      body = gunzipSync(body);
    } catch {
      return found;
    }
  }
  const text = body.toString('utf8');
  for (const m of text.matchAll(/href\s*=\s*["']([^"']+)["']/gi)) add(m[1] as string);
  for (const m of text.matchAll(/<loc>\s*([^<\s]+)\s*<\/loc>/gi)) add(m[1] as string);
  for (const m of text.matchAll(/^sitemap:\s*(\S+)/gim)) add(m[1] as string);
  return found;
}

/** Keeps the head of what a response writes (and its redirect target) on `record`. */
function captureBody(res: ServerResponse, record: FixtureRequest): void {
  const chunks: Buffer[] = [];
  let kept = 0;
  const keep = (chunk: unknown, encoding?: unknown) => {
    if (kept >= BODY_HEAD_BYTES || chunk === undefined || chunk === null || typeof chunk === 'function')
      return;
    const buf =
      typeof chunk === 'string'
        ? Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8')
        : Buffer.from(chunk as Uint8Array);
    const part = buf.subarray(0, BODY_HEAD_BYTES - kept);
    chunks.push(part);
    kept += part.length;
  };
  const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse;
  res.writeHead = ((...args: unknown[]) => {
    const headers = args.find((a) => typeof a === 'object' && a !== null) as
      | Record<string, unknown>
      | undefined;
    const location = headers?.location ?? headers?.Location;
    if (typeof location === 'string') record.location = location;
    return writeHead(...args);
  }) as typeof res.writeHead;
  const write = res.write.bind(res) as (...args: unknown[]) => boolean;
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  res.write = ((...args: unknown[]) => {
    keep(args[0], args[1]);
    return write(...args);
  }) as typeof res.write;
  res.end = ((...args: unknown[]) => {
    keep(args[0], args[1]);
    const location = res.getHeader('location');
    if (typeof location === 'string') record.location ??= location;
    record.body_head = Buffer.concat(chunks);
    return end(...args);
  }) as typeof res.end;
}

export interface FixtureWeb {
  origins: Origins;
  requests: FixtureRequest[];
  /** Bytes of the 50 MB page actually written before the crawler hung up. */
  hugeBytesSent(): number;
  stop(): Promise<void>;
}

const ROBOTS: Record<Exclude<HostRole, 'down' | 'private'>, (o: Origins) => string> = {
  news: (o) =>
    `# news\nUser-agent: *\nDisallow: /private/\nCrawl-delay: ${FIXTURE_CRAWL_DELAY_S}\n\nSitemap: ${o.news}/sitemap.xml\n`,
  wiki: (o) =>
    `User-agent: *\nDisallow: /index.php\nDisallow: /wiki/Special:*\nAllow: /wiki/Special:About$\nCrawl-delay: ${FIXTURE_CRAWL_DELAY_S}\nSitemap: ${o.wiki}/sitemap_index.xml\n`,
  // PrometheanBot has its own group, so the * group's rules do not apply to it.
  blog: () =>
    `User-agent: *\nDisallow: /\n\nUser-agent: PrometheanBot\nUser-agent: otherbot\nDisallow: /drafts/\nDisallow: /*/amp$\nCrawl-delay: ${FIXTURE_CRAWL_DELAY_S}\n`,
};

/** The fixture's own judgement of a path (what the robots.txt above means for PrometheanBot). */
function robotsForbids(host: HostRole, path: string): boolean {
  if (path === '/robots.txt') return false;
  if (host === 'down') return true;
  if (host === 'news') return path.startsWith('/private/');
  if (host === 'wiki')
    return (
      path.startsWith('/index.php') || (path.startsWith('/wiki/Special:') && path !== '/wiki/Special:About')
    );
  if (host === 'blog') return path.startsWith('/drafts/') || /^\/post\/[^?]*\/amp$/.test(path);
  return false;
}

function html(res: ServerResponse, body: string, status = 200, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', ...headers });
  res.end(body);
}

function article(
  title: string,
  n: number,
  links: Parameters<typeof renderPage>[0]['links'],
  extra = {},
): string {
  const { paragraphs } = articleText(n);
  return renderPage({ title, paragraphs, links, ...extra });
}

function urlset(locs: string[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${locs
    .map((l) => `  <url><loc>${l}</loc><lastmod>2026-11-01</lastmod></url>`)
    .join('\n')}\n</urlset>\n`;
}

export const ORPHAN_PAGES = 10;
export const SESSION_PAGES = 5;

type Handler = (
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  o: Origins,
  state: { huge: number },
) => void;

const news: Handler = (req, res, url, o) => {
  const p = url.pathname;
  if (p === '/robots.txt')
    return void res.writeHead(200, { 'content-type': 'text/plain' }).end(ROBOTS.news(o));
  if (p === '/sitemap.xml') {
    res.writeHead(200, { 'content-type': 'application/xml' });
    return void res.end(
      urlset(Array.from({ length: NEWS_ARTICLES }, (_, i) => `${o.news}/article/${i + 1}`)),
    );
  }
  if (p === '/') {
    const links = Array.from({ length: 10 }, (_, i) => ({
      href: `/article/${i + 1}`,
      text: `Article ${i + 1}`,
    }));
    return html(res, article('News front page', 1000, [...links, ...privateTrapLinks(o)]));
  }
  const m = /^\/article\/(\d+)$/.exec(p);
  if (m && Number(m[1]) >= 1 && Number(m[1]) <= NEWS_ARTICLES) {
    const i = Number(m[1]);
    const etag = `"news-${i}-v1"`;
    if (req.headers['if-none-match'] === etag) return void res.writeHead(304, { etag }).end();
    return html(res, article(`News article ${i}`, i, newsLinks(i, o)), 200, { etag });
  }
  if (p.startsWith('/private/')) return html(res, article('Private draft', 9999, []));
  html(res, '<p>not found</p>', 404);
};

function wikiTrap(p: string, res: ServerResponse, o: Origins, state: { huge: number }): boolean {
  const cal = /^\/calendar\/(\d{4})\/(\d{2})$/.exec(p);
  if (cal) {
    const y = Number(cal[1]);
    const mo = Number(cal[2]);
    const next = mo === 12 ? `/calendar/${y + 1}/01` : `/calendar/${y}/${String(mo + 1).padStart(2, '0')}`;
    const prev = mo === 1 ? `/calendar/${y - 1}/12` : `/calendar/${y}/${String(mo - 1).padStart(2, '0')}`;
    html(
      res,
      renderPage({
        title: `Events ${y}-${mo}`,
        paragraphs: articleText(y * 12 + mo, 6).paragraphs,
        links: [
          { href: next, text: 'Next month' },
          { href: prev, text: 'Previous month' },
        ],
      }),
    );
    return true;
  }
  if (p === '/loop/a' || p === '/loop/b') {
    res.writeHead(302, { location: p === '/loop/a' ? '/loop/b' : '/loop/a' }).end();
    return true;
  }
  if (p === '/huge.html') {
    // 50 MB of HTML, chunked (no Content-Length), written only as fast as the reader takes it.
    res.writeHead(200, { 'content-type': 'text/html' });
    const chunk = Buffer.alloc(64 * 1024, '<p>duck</p>\n');
    const pump = (): void => {
      while (state.huge < HUGE_PAGE_BYTES) {
        state.huge += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      res.end();
    };
    res.on('error', () => {});
    pump();
    return true;
  }
  if (p === '/files/report.html') {
    const png = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      Buffer.alloc(2048),
    ]);
    res.writeHead(200, { 'content-type': 'text/html' }).end(png);
    return true;
  }
  if (p === '/files/data.html') {
    res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(Buffer.alloc(4096, 7));
    return true;
  }
  if (p === '/login') {
    html(
      res,
      renderPage({
        title: 'Log in',
        paragraphs: ['Members only.'],
        links: [],
        extraBody:
          '<form method="post" action="/login"><input name="user"><input type="password" name="pw"><button>Log in</button></form>',
      }),
    );
    return true;
  }
  if (p === '/noindex') {
    html(
      res,
      article('Not for the index', 5001, [{ href: '/from-noindex', text: 'followed anyway' }], {
        meta: '<meta name="robots" content="noindex">',
      }),
    );
    return true;
  }
  if (p === '/from-noindex') {
    html(res, article('Linked from a noindex page', 5002, []));
    return true;
  }
  if (p === '/nofollow') {
    html(
      res,
      article('Do not follow my links', 5003, [{ href: '/only-from-nofollow', text: 'secret' }], {
        meta: '<meta name="robots" content="nofollow">',
      }),
    );
    return true;
  }
  if (p === '/only-from-nofollow') {
    html(res, article('Should never be crawled', 5004, []));
    return true;
  }
  void o;
  return false;
}

const WIKI_LAST_MODIFIED = 'Sun, 01 Nov 2026 00:00:00 GMT';

const wiki: Handler = (req, res, url, o, state) => {
  const p = url.pathname;
  if (p === '/robots.txt')
    return void res.writeHead(200, { 'content-type': 'text/plain' }).end(ROBOTS.wiki(o));
  if (p === '/sitemap_index.xml') {
    res.writeHead(200, { 'content-type': 'application/xml' });
    return void res.end(
      `<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>${o.wiki}/sitemap-pages.xml</loc></sitemap><sitemap><loc>${o.wiki}/sitemap-extra.xml.gz</loc></sitemap></sitemapindex>`,
    );
  }
  if (p === '/sitemap-pages.xml') {
    res.writeHead(200, { 'content-type': 'application/xml' });
    return void res.end(
      urlset(Array.from({ length: WIKI_ARTICLES }, (_, i) => `${o.wiki}/wiki/Page_${i + 1}`)),
    );
  }
  if (p === '/sitemap-extra.xml.gz') {
    res.writeHead(200, { 'content-type': 'application/gzip' });
    return void res.end(
      gzipSync(urlset(Array.from({ length: ORPHAN_PAGES }, (_, i) => `${o.wiki}/orphan/${i + 1}`))),
    );
  }
  if (p === '/') {
    const traps = [
      '/calendar/2026/01',
      '/loop/a',
      '/huge.html',
      '/files/report.html',
      '/files/data.html',
      '/login',
      '/noindex',
      '/nofollow',
      '/wiki/Special:About',
    ];
    const links = [
      ...Array.from({ length: 5 }, (_, i) => ({ href: `/wiki/Page_${i + 1}`, text: `Page ${i + 1}` })),
      ...traps.map((t) => ({ href: t, text: `trap ${t}` })),
      ...privateTrapLinks(o),
    ];
    return html(res, article('Wiki main page', 2000, links));
  }
  const m = /^\/wiki\/Page_(\d+)$/.exec(p);
  if (m && Number(m[1]) >= 1 && Number(m[1]) <= WIKI_ARTICLES) {
    const i = Number(m[1]);
    const since = Date.parse(String(req.headers['if-modified-since'] ?? ''));
    if (since >= Date.parse(WIKI_LAST_MODIFIED)) return void res.writeHead(304).end();
    return html(res, article(`Wiki page ${i}`, 100 + i, wikiLinks(i, o)), 200, {
      'last-modified': WIKI_LAST_MODIFIED,
    });
  }
  if (p === '/wiki/Special:About') return html(res, article('About the wiki', 3000, []));
  const orphan = /^\/orphan\/(\d+)$/.exec(p);
  if (orphan) return html(res, article(`Orphan ${orphan[1]}`, 400 + Number(orphan[1]), []));
  const session = /^\/session\/page-(\d)$/.exec(p);
  if (session) return html(res, article(`Session page ${session[1]}`, 600 + Number(session[1]), []));
  if (wikiTrap(p, res, o, state)) return;
  html(res, '<p>not found</p>', 404);
};

const blog: Handler = (_req, res, url, o) => {
  const p = url.pathname;
  if (p === '/robots.txt')
    return void res.writeHead(200, { 'content-type': 'text/plain' }).end(ROBOTS.blog(o));
  if (p === '/') {
    const links = Array.from({ length: BLOG_POSTS }, (_, i) => ({
      href: `/post/${i + 1}`,
      text: `Post ${i + 1}`,
    }));
    return html(res, article('Blog', 7000, [...links, { href: '/drafts/next', text: 'Draft' }]));
  }
  const m = /^\/post\/(\d+)(\/print|\/amp)?$/.exec(p);
  if (m && Number(m[1]) >= 1 && Number(m[1]) <= BLOG_POSTS) {
    const i = Number(m[1]);
    const { paragraphs } = articleText(800 + i, 20);
    // The print version is a near-duplicate: the same post with a print line added.
    const extra = m[2] === '/print' ? [...paragraphs, `Printed on 2026-12-0${(i % 9) + 1}.`] : paragraphs;
    return html(res, renderPage({ title: `Blog post ${i}`, paragraphs: extra, links: blogLinks(i, o) }));
  }
  if (p.startsWith('/drafts/')) return html(res, article('Draft', 7001, []));
  html(res, '<p>not found</p>', 404);
};

const down: Handler = (_req, res, url) => {
  if (url.pathname === '/robots.txt')
    return void res.writeHead(503, { 'retry-after': '120' }).end('maintenance');
  html(res, article('Down host page', 8000, []));
};

const privateHost: Handler = (_req, res) => html(res, '<p>internal</p>');

const HANDLERS: Record<HostRole, Handler> = { news, wiki, blog, down, private: privateHost };

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () =>
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    );
  });
}

/** Starts every virtual host; `now` stamps requests (the bench's clock). */
export async function startFixtureWeb(now: () => number = () => performance.now()): Promise<FixtureWeb> {
  const requests: FixtureRequest[] = [];
  const state = { huge: 0 };
  const servers: Partial<Record<HostRole, Server>> = {};
  const origins = {} as Origins;
  const nofollowOnly = new Set(['/only-from-nofollow']);
  for (const role of Object.keys(HANDLERS) as HostRole[]) {
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://fixture');
      const record: FixtureRequest = {
        host: role,
        method: req.method ?? 'GET',
        path: `${url.pathname}${url.search}`,
        at: now(),
      };
      if (role === 'private') record.violation = 'private';
      else if (record.method !== 'GET' && record.method !== 'HEAD') record.violation = 'post';
      else if (robotsForbids(role, url.pathname)) record.violation = 'robots';
      else if (role === 'wiki' && nofollowOnly.has(url.pathname)) record.violation = 'nofollow';
      requests.push(record);
      const ended = () => {
        record.ended_at ??= now();
      };
      res.once('finish', ended);
      res.once('close', ended);
      captureBody(res, record);
      HANDLERS[role](req, res, url, origins, state);
    });
    server.keepAliveTimeout = 1000;
    servers[role] = server;
    origins[role] = await listen(server);
  }
  return {
    origins,
    requests,
    hugeBytesSent: () => state.huge,
    async stop() {
      await Promise.all(
        Object.values(servers).map(
          (s) =>
            new Promise<void>((resolve) => {
              s.closeAllConnections();
              s.close(() => resolve());
            }),
        ),
      );
    },
  };
}

/** Trusted origins for the SSRF guard: every fixture host but the private one. */
export function crawlableOrigins(o: Origins): string[] {
  return [o.news, o.wiki, o.blog, o.down];
}
