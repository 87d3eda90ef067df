/** The functions Worker's HTTP surface (Hono): health now; interactions, search and status join it. */
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { FUNCTION_AGENTS } from './agents.ts';
import { healthOf } from './isolate-health.ts';
import { devProxy } from './routes/dev-proxy.ts';

export const app = new Hono<{ Bindings: FunctionsEnv }>();

app.get('/health', (c) => {
  const agents = FUNCTION_AGENTS.map((a) => ({
    ...healthOf(a).report(),
    inputs: a.manifest.inputs.map((i) => i.topic),
  }));
  const degraded = agents.some((a) => a.state !== 'RUNNING');
  return c.json({
    worker: 'promethean-functions',
    build_sha: c.env.BUILD_SHA,
    status: degraded ? 'DEGRADED' : 'RUNNING',
    agents,
  });
});

app.route('/dev', devProxy);

app.notFound((c) => c.json({ error: 'not_found', message: `no route ${c.req.method} ${c.req.path}` }, 404));

app.onError((err, c) => {
  if (err instanceof HTTPException) return c.json({ error: 'http_error', message: err.message }, err.status);
  console.error(
    JSON.stringify({ level: 'error', msg: 'unhandled request error', path: c.req.path, error: String(err) }),
  );
  return c.json({ error: 'internal_error', message: 'the request failed; see the Worker logs' }, 500);
});
