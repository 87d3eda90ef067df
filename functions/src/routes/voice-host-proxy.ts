/**
 * The voice host reaches the access layer through this Worker (the access Worker has no public URL):
 * `/voice-host/connect` (the control WebSocket upgrade) and `/voice-host/relay` (op 4) are handed to
 * `ACCESS` unchanged; the access Worker checks the host's secret, which only it holds.
 */
import { Hono } from 'hono';

export const voiceHostProxy = new Hono<{ Bindings: FunctionsEnv }>();

voiceHostProxy.all('/*', async (c) => {
  const url = new URL(c.req.url);
  return c.env.ACCESS.fetch(
    new Request(new URL(url.pathname + url.search, 'http://promethean-access'), c.req.raw),
  );
});
