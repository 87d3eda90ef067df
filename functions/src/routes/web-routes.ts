/**
 * `/v1/web`: semantic search over a tenant's crawled pages, a page with its edges, and the crawl's
 * integrity report. Admin-scoped
 * (ADMIN_TOKEN) with the tenant named in `tenant=<provider>/<tenant>`. Kept in one file with a port
 * resolver so it can move under the `/v1` OpenAPI app unchanged.
 */
import { SegmentName } from '@promethean/schemas/identifiers';
import { type Context, Hono, type MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { z } from 'zod';
import { integrityReport } from '../../agents/web-crawler/crawl-report.ts';
import {
  pageWithEdges,
  searchWeb,
  type WebSearchPorts,
  WebSearchQuery,
} from '../../web-search/web-search.ts';

export const TenantParam = z
  .string()
  .regex(/^[^/]+\/[^/]+$/, 'tenant must be <provider>/<tenant>')
  .transform((t) => {
    const [provider, tenant] = t.split('/') as [string, string];
    return { provider: SegmentName.parse(provider), tenant: SegmentName.parse(tenant) };
  });

/** The tenant's ports for a request; throws an HTTPException (404/503) when it has none. */
export type WebPortsResolver = (
  c: Context,
  scope: { provider: string; tenant: string },
) => WebSearchPorts | Promise<WebSearchPorts>;

function parse<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const r = schema.safeParse(value);
  if (!r.success)
    throw new HTTPException(400, {
      message: r.error.issues.map((i) => `${i.path.join('.') || 'query'}: ${i.message}`).join('; '),
    });
  return r.data;
}

export function webRoutes(auth: MiddlewareHandler, resolve: WebPortsResolver): Hono {
  const web = new Hono();
  web.use('*', auth);

  web.get('/search', async (c) => {
    const scope = parse(TenantParam, c.req.query('tenant'));
    const query = parse(WebSearchQuery, c.req.query());
    return c.json(await searchWeb(await resolve(c, scope), query));
  });

  web.get('/pages/:id', async (c) => {
    const scope = parse(TenantParam, c.req.query('tenant'));
    const id = parse(z.string().regex(/^p[0-9a-f]{32}$/), c.req.param('id'));
    const found = await pageWithEdges((await resolve(c, scope)).documents, id);
    if (!found)
      throw new HTTPException(404, { message: `no page ${id} for ${scope.provider}/${scope.tenant}` });
    return c.json(found);
  });

  // The crawl integrity report over the tenant's stores (documents vs Chroma, duplicate titles, degrees).
  // It reads every page and edge (up to FIND_MAX_LIMIT each): an operator's and a benchmark's check.
  web.get('/integrity', async (c) => {
    const scope = parse(TenantParam, c.req.query('tenant'));
    const { documents, vectors } = await resolve(c, scope);
    return c.json(await integrityReport(documents, vectors));
  });

  return web;
}
