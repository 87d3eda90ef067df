/**
 * A small fixture web for the end-to-end crawl through both Workers (test/dev-stack/crawl-e2e.test.ts):
 * three loopback hosts, small enough that the crawl takes seconds, with the cases a crawler must get
 * right on the platform: robots.txt disallows and a crawl-delay, a robots.txt answering 503 (disallow
 * all), a redirect, a page that always errors, a slow page, cross-host links and duplicate spellings
 * of one URL. It logs each request with its start and finish, so the test judges robots, politeness and
 * duplicates from what the hosts saw, not from what the crawler reports.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type MiniHost = 'shop' | 'docs' | 'closed';
export type MiniOrigins = Record<MiniHost, string>;

/** robots.txt crawl-delay of the shop and docs hosts, in seconds. */
export const MINI_CRAWL_DELAY_S = 0.25;
/** How long /slow on the shop host takes to answer. */
export const MINI_SLOW_MS = 400;

export interface MiniRequest {
  host: MiniHost;
  method: string;
  path: string;
  started: number;
  finished?: number;
}

export interface MiniWeb {
  origins: MiniOrigins;
  requests: MiniRequest[];
  /** The URLs a correct crawl stores as pages (the redirect's target, not the redirect). */
  expectedPages(): string[];
  /** Paths a crawl must never request: disallowed by robots.txt, or behind a 503 robots.txt. */
  forbidden(host: MiniHost, path: string): boolean;
  stop(): Promise<void>;
}

/**
 * What each page is about: its own sentence, so pages differ in their readable text (Readability drops
 * the link lists, which used to be the only difference) and none is a near-duplicate of another.
 */
const TOPICS: Record<string, string> = {
  Shop: 'The shop front lists feeders, nesting boxes and pond liners, with opening hours for every weekday.',
  'Shop A': 'Floating duck houses in cedar wood keep eggs dry through spring rain and summer storms alike.',
  'Shop B': 'Grain mixes of oats, barley and peas replace bread, which swells and harms young waterfowl.',
  'Shop C': 'Repair kits patch torn rubber liners under water, so a leaking garden pond needs no draining.',
  'Shop slow': 'Heated water bowls stop ice from closing the drinking hole during the longest frosty nights.',
  Docs: 'The handbook explains pond depth, plant zones and filtration for keepers of ornamental birds.',
  'Docs guide':
    'A step by step guide digs a wildlife pond, shapes shallow margins and plants marsh marigolds.',
  Draft: 'Unfinished notes on moulting season, when flightless drakes hide among reeds for weeks.',
  Private: 'Staff rota, supplier prices and the stock count of the back room, never for visitors.',
  Closed: 'The closed branch once sold fishing tackle and bait until the river path was rebuilt.',
};

function page(title: string, links: Array<[href: string, text: string]>): string {
  const anchors = links.map(([href, text]) => `<li><a href="${href}">${text}</a></li>`).join('');
  return `<!doctype html><html lang="en"><head><title>${title}</title></head><body><h1>${title}</h1><p>${TOPICS[title] ?? title}</p><p>${title} is a page of the small fixture web. It talks about ducks, ponds and the seasons, so the summary and tag passes have words to work on.</p><ul>${anchors}</ul></body></html>`;
}

type Handler = (req: IncomingMessage, res: ServerResponse, path: string, o: MiniOrigins) => void;

const html = (res: ServerResponse, body: string, status = 200): void => {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' }).end(body);
};

const ROBOTS = (disallow: string) =>
  `User-agent: *\nDisallow: ${disallow}\nCrawl-delay: ${MINI_CRAWL_DELAY_S}\n`;

const shop: Handler = (_req, res, path, o) => {
  if (path === '/robots.txt')
    return void res.writeHead(200, { 'content-type': 'text/plain' }).end(ROBOTS('/private/'));
  if (path === '/')
    return html(
      res,
      page('Shop', [
        ['/a', 'A'],
        ['/b', 'B'],
        ['/a?utm_source=newsletter', 'A again, tracked'],
        ['/a#reviews', 'A again, a fragment'],
        ['/private/orders', 'Orders'],
        ['/old', 'Moved'],
        ['/error', 'Broken'],
        ['/slow', 'Slow'],
        [`${o.docs}/`, 'Docs'],
        [`${o.closed}/`, 'Closed'],
      ]),
    );
  if (path === '/a')
    return html(
      res,
      page('Shop A', [
        ['/', 'Home'],
        ['/b', 'B'],
        [`${o.docs}/guide`, 'Guide'],
      ]),
    );
  if (path === '/b') return html(res, page('Shop B', [['/a', 'A']]));
  if (path === '/c') return html(res, page('Shop C', []));
  if (path === '/old') return void res.writeHead(301, { location: '/c' }).end();
  if (path === '/error') return html(res, '<p>boom</p>', 500);
  if (path === '/slow') {
    const timer = setTimeout(() => html(res, page('Shop slow', [['/', 'Home']])), MINI_SLOW_MS);
    res.on('close', () => clearTimeout(timer));
    return;
  }
  if (path.startsWith('/private/')) return html(res, page('Private', []));
  html(res, '<p>not found</p>', 404);
};

const docs: Handler = (_req, res, path, o) => {
  if (path === '/robots.txt')
    return void res.writeHead(200, { 'content-type': 'text/plain' }).end(ROBOTS('/drafts/'));
  if (path === '/')
    return html(
      res,
      page('Docs', [
        ['/guide', 'Guide'],
        ['/drafts/next', 'Draft'],
        [`${o.shop}/b`, 'Shop B'],
      ]),
    );
  if (path === '/guide')
    return html(
      res,
      page('Docs guide', [
        ['/', 'Docs'],
        [`${o.shop}/a`, 'Shop A'],
      ]),
    );
  if (path.startsWith('/drafts/')) return html(res, page('Draft', []));
  html(res, '<p>not found</p>', 404);
};

const closed: Handler = (_req, res, path) => {
  if (path === '/robots.txt') return void res.writeHead(503, { 'retry-after': '600' }).end('maintenance');
  html(res, page('Closed', []));
};

const HANDLERS: Record<MiniHost, Handler> = { shop, docs, closed };

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () =>
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    );
  });
}

/** Starts the three hosts on free loopback ports; `stop()` closes them. */
export async function startMiniWeb(now: () => number = () => performance.now()): Promise<MiniWeb> {
  const requests: MiniRequest[] = [];
  const servers: Server[] = [];
  const origins = {} as MiniOrigins;
  for (const host of Object.keys(HANDLERS) as MiniHost[]) {
    const server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://mini').pathname;
      const record: MiniRequest = { host, method: req.method ?? 'GET', path, started: now() };
      requests.push(record);
      res.on('finish', () => {
        record.finished = now();
      });
      HANDLERS[host](req, res, path, origins);
    });
    server.keepAliveTimeout = 1000;
    servers.push(server);
    origins[host] = await listen(server);
  }
  return {
    origins,
    requests,
    expectedPages: () => [
      `${origins.shop}/`,
      `${origins.shop}/a`,
      `${origins.shop}/b`,
      `${origins.shop}/c`,
      `${origins.shop}/slow`,
      `${origins.docs}/`,
      `${origins.docs}/guide`,
    ],
    forbidden: (host, path) =>
      path !== '/robots.txt' &&
      (host === 'closed' ||
        (host === 'shop' && path.startsWith('/private/')) ||
        (host === 'docs' && path.startsWith('/drafts/'))),
    async stop() {
      await Promise.all(
        servers.map(
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
