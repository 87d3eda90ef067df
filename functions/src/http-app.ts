/** The functions Worker's HTTP surface (Hono): health now; interactions, search and status join it. */

import { healthOf } from '@promethean/shared/agent/isolate-health';
import { jsonNotFound, jsonOnError } from '@promethean/shared/platform/json-http-errors';
import { Hono } from 'hono';
import { FUNCTION_AGENTS } from './agents.ts';
import { adminBackfill } from './routes/admin-backfill.ts';
import { devIndex } from './routes/dev-index.ts';
import { devProxy } from './routes/dev-proxy.ts';
import { interactions } from './routes/interactions.ts';
import { commandAdmin } from './routes/interactions-admin.ts';

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

app.route('/dev/index', devIndex);
app.route('/dev', devProxy);
app.route('/interactions', interactions);
app.route('/admin/commands', commandAdmin);
app.route('/admin', adminBackfill);

app.notFound(jsonNotFound);
app.onError(jsonOnError);
