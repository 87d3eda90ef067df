/** The access Worker's HTTP surface: health, and development-only routes for the echo and Discord adapters. */

import { healthOf } from '@promethean/shared/agent/isolate-health';
import { jsonNotFound, jsonOnError } from '@promethean/shared/platform/json-http-errors';
import { Hono } from 'hono';
import { ACCESS_AGENTS } from './access-agents.ts';
import { devDiscord } from './routes/dev-discord.ts';
import { devEcho } from './routes/dev-echo.ts';
import { developmentOnly } from './routes/dev-guard.ts';

export const app = new Hono<{ Bindings: AccessEnv }>();

app.get('/health', (c) => {
  const agents = ACCESS_AGENTS.map((a) => healthOf(a).report());
  return c.json({
    worker: 'promethean-access',
    status: agents.every((a) => a.state === 'RUNNING') ? 'RUNNING' : 'DEGRADED',
    agents,
  });
});

app.use('/dev/*', developmentOnly());
app.route('/dev/echo/:tenant', devEcho);
app.route('/dev/discord/:tenant', devDiscord);

app.notFound(jsonNotFound);
app.onError(jsonOnError);
