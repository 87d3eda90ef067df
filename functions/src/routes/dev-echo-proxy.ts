/** Development only: forwards the echo provider's scripted input to the access Worker that owns it. */
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';

export const devEchoProxy = new Hono<{ Bindings: FunctionsEnv }>();

devEchoProxy.all('/*', async (c) => {
  if (c.env.PROMETHEAN_ENV !== 'development')
    throw new HTTPException(404, { message: 'dev routes are disabled' });
  const url = new URL(c.req.url);
  const target = new URL(url.pathname.replace(/^\/dev/, '') + url.search, 'http://promethean-access');
  return c.env.ACCESS.fetch(new Request(target, c.req.raw));
});
