import type { MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { beforeAll, describe, expect, it } from 'vitest';
import { memoryWebPages } from '../../test/api/memory-web-pages.ts';
import { webRoutes } from '../src/routes/web-routes.ts';
import type { WebSearchPorts } from './web-search.ts';

const scope = { provider: 'web', tenant: 'club' };

const PAGES = [
  {
    url: 'https://birds.test/mallards',
    title: 'Mallards',
    summary: 'Mallard ducks paddle on ponds and nest in reeds.',
    tags: ['#ducks', '#ponds'],
  },
  {
    url: 'https://birds.test/herons',
    title: 'Herons',
    summary: 'Herons fish in shallow lakes and wetlands.',
    tags: ['#herons', '#wetlands'],
  },
  {
    url: 'https://parks.test/pond-walk',
    title: 'Pond walk',
    summary: 'A walk around the duck pond in the park.',
    tags: ['#ducks', '#walks'],
  },
];

let ids: string[] = [];
let ports: WebSearchPorts;
const auth: MiddlewareHandler = async (c, next) => {
  if (c.req.header('authorization') !== 'Bearer admin')
    throw new HTTPException(401, { message: 'admin only' });
  await next();
};
const app = webRoutes(auth, (_c, s) => {
  if (s.provider !== 'web' || s.tenant !== 'club')
    throw new HTTPException(404, { message: 'no such tenant' });
  return ports;
});
const get = (path: string, token = 'admin') =>
  app.request(path, { headers: { authorization: `Bearer ${token}` } });

beforeAll(async () => {
  ({ ports, ids } = await memoryWebPages(scope, PAGES, [{ from: 2, to: 0, anchor: 'mallards' }]));
});

describe('/v1/web', () => {
  it('finds pages semantically, hydrated from the graph', async () => {
    const r = await get('/search?tenant=web/club&q=duck%20pond');
    expect(r.status).toBe(200);
    const body = (await r.json()) as {
      results: Array<{ url: string; tags: string[]; summary: string }>;
      offline: boolean;
    };
    expect(body.results).toHaveLength(3);
    expect(body.results[0]?.summary).toBeTruthy();
    expect(body.offline).toBe(true);
  });

  it('filters by tag (with or without #) and by domain', async () => {
    const byTag = (await (await get('/search?tenant=web/club&q=birds&tags=ducks')).json()) as {
      results: Array<{ url: string }>;
    };
    expect(byTag.results.map((r) => r.url).sort()).toEqual([
      'https://birds.test/mallards',
      'https://parks.test/pond-walk',
    ]);
    const both = (await (await get('/search?tenant=web/club&q=birds&tags=%23ducks,%23walks')).json()) as {
      results: Array<{ url: string }>;
    };
    expect(both.results.map((r) => r.url)).toEqual(['https://parks.test/pond-walk']);
    const byDomain = (await (
      await get('/search?tenant=web/club&q=birds&domain=birds.test&tags=ducks')
    ).json()) as { results: Array<{ url: string }> };
    expect(byDomain.results.map((r) => r.url)).toEqual(['https://birds.test/mallards']);
    const none = (await (await get('/search?tenant=web/club&q=birds&domain=nowhere.test')).json()) as {
      results: unknown[];
    };
    expect(none.results).toEqual([]);
  });

  it('returns a page with its in- and out-edges', async () => {
    const r = await get(`/pages/${ids[0]}?tenant=web/club`);
    const body = (await r.json()) as {
      page: { title: string; tags: string[] };
      in_edges: Array<{ url: string; anchor: string }>;
      out_edges: unknown[];
    };
    expect(body.page).toMatchObject({ title: 'Mallards', tags: ['#ducks', '#ponds'] });
    expect(body.in_edges).toEqual([
      { id: ids[2], url: 'https://parks.test/pond-walk', anchor: 'mallards', kind: 'link', nofollow: false },
    ]);
    expect(body.out_edges).toEqual([]);
  });

  it('reports integrity: documents against vectors, and crawled pages sharing a title', async () => {
    const r = await get('/integrity?tenant=web/club');
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({
      pages: 3,
      edges: 1,
      crawled: 3,
      duplicate_titles: 0,
      summarized: 3,
      summary_tokens_mean: 10,
      // Every fixture page has two tags, one fewer than a valid list needs.
      tagged: 3,
      tags_valid: 0,
      vectors: 3,
      missing_vectors: [],
      extra_vectors: 0,
    });
    // One content under a second URL is a second node with the same title.
    const dup = await memoryWebPages(scope, [
      ...PAGES,
      {
        ...(PAGES[0] as (typeof PAGES)[number]),
        url: 'https://birds.test/mallards?v=2',
        tags: ['#ducks', '#ponds', '#reeds'],
      },
    ]);
    const dupApp = webRoutes(auth, () => dup.ports);
    const report = await (
      await dupApp.request('/integrity?tenant=web/club', { headers: { authorization: 'Bearer admin' } })
    ).json();
    expect(report).toMatchObject({ pages: 4, crawled: 4, duplicate_titles: 1, tagged: 4, tags_valid: 1 });
    expect((await get('/integrity?tenant=web/other')).status).toBe(404);
    expect((await get('/integrity?tenant=web/club', 'wrong')).status).toBe(401);
  });

  it('refuses without the admin token, and answers 400 / 404 for bad input', async () => {
    expect((await get('/search?tenant=web/club&q=x', 'wrong')).status).toBe(401);
    expect((await get('/search?q=x')).status).toBe(400);
    expect((await get('/search?tenant=web/club')).status).toBe(400);
    expect((await get('/search?tenant=web/other&q=x')).status).toBe(404);
    expect((await get('/pages/nope?tenant=web/club')).status).toBe(400);
    expect((await get(`/pages/p${'0'.repeat(32)}?tenant=web/club`)).status).toBe(404);
  });
});
