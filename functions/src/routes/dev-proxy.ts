/** Development only: forwards `/dev/*` to the access Worker, which owns the provider adapters. */
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';

export const devProxy = new Hono<{ Bindings: FunctionsEnv }>();

devProxy.all('/*', async (c) => {
  if (c.env.PROMETHEAN_ENV !== 'development')
    throw new HTTPException(404, { message: 'development routes are disabled' });
  const url = new URL(c.req.url);
  return c.env.ACCESS.fetch(
    new Request(new URL(url.pathname + url.search, 'http://promethean-access'), c.req.raw),
  );
});
