/** The JSON 404 and error answers both Workers give, so a failed request never leaks a stack or HTML. */
import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { componentTelemetry } from '../agent/telemetry.ts';

export const jsonNotFound: NotFoundHandler = (c: Context) =>
  c.json({ error: 'not_found', message: `no route ${c.req.method} ${c.req.path}` }, 404);

/** `HTTPException`s keep their status and message; anything else is logged and answered with a 500. */
export const jsonOnError: ErrorHandler = (err, c) => {
  if (err instanceof HTTPException) return c.json({ error: 'http_error', message: err.message }, err.status);
  componentTelemetry('http').error('unhandled request error', { path: c.req.path, error: String(err) });
  return c.json({ error: 'internal_error', message: 'the request failed; see the Worker logs' }, 500);
};
