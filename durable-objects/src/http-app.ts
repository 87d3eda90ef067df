/** The access Worker's HTTP surface: health, and development-only routes for the echo and Discord adapters. */
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { ACCESS_AGENTS } from './access-agents.ts';
import { devDiscord } from './routes/dev-discord.ts';
import { devEcho } from './routes/dev-echo.ts';
import { developmentOnly } from './routes/dev-guard.ts';

export const app = new Hono<{ Bindings: AccessEnv }>();

app.get('/health', (c) =>
  c.json({
    worker: 'promethean-access',
    status: 'RUNNING',
    agents: ACCESS_AGENTS.map((a) => ({
      agent: a.manifest.id,
      kind: a.manifest.kind,
      version: a.manifest.version,
      state: 'RUNNING',
    })),
  }),
);

app.use('/dev/*', developmentOnly());
app.route('/dev/echo/:tenant', devEcho);
app.route('/dev/discord/:tenant', devDiscord);

app.notFound((c) => c.json({ error: 'not_found', message: `no route ${c.req.method} ${c.req.path}` }, 404));

app.onError((err, c) => {
  if (err instanceof HTTPException) return c.json({ error: 'http_error', message: err.message }, err.status);
  console.error(
    JSON.stringify({ level: 'error', msg: 'unhandled request error', path: c.req.path, error: String(err) }),
  );
  return c.json({ error: 'internal_error', message: 'the request failed; see the Worker logs' }, 500);
});
