/** The access Worker's HTTP surface: health and readiness, and development-only routes for the echo and Discord adapters. */

import { jsonNotFound, jsonOnError } from '@promethean/shared/platform/json-http-errors';
import { Hono } from 'hono';
import { accessChecks, accessLedger, accessOps, countedAccessEnv } from './access-ops.ts';
import { devDiscord } from './routes/dev-discord.ts';
import { devEcho } from './routes/dev-echo.ts';
import { developmentOnly } from './routes/dev-guard.ts';
import { devVoice } from './routes/dev-voice.ts';
import { voiceHost } from './routes/voice-host.ts';

export const app = new Hono<{ Bindings: AccessEnv }>();

/** Liveness: 503 when an agent has work stuck past its liveness_timeout_ms. */
app.get('/health', async (c) => {
  accessOps().recorder.invocation();
  const ledger = accessLedger(c.env);
  if (ledger) await accessOps().refreshControls(ledger); // at most once per controls TTL
  const agents = accessOps().healthReports();
  const live = agents.every((a) => a.live);
  return c.json(
    {
      worker: 'promethean-access',
      isolate: accessOps().isolate,
      live,
      status: agents.every((a) => a.state === 'RUNNING') ? 'RUNNING' : 'DEGRADED',
      agents,
    },
    live ? 200 : 503,
  );
});

/** Readiness: each agent's access objects answer (and its tenants' tokens are enabled); 503 otherwise. */
app.get('/ready', async (c) => {
  const ops = accessOps();
  ops.recorder.invocation();
  const env = countedAccessEnv(c.env, ops);
  // Open route: probes of the tenants' objects run at most every 5 s per isolate.
  const results = await ops.checkReadiness((agent) => accessChecks(env, agent), { maxAgeMs: 5_000 });
  const ready = results.every((r) => r.ready);
  return c.json({ worker: 'promethean-access', ready, agents: results }, ready ? 200 : 503);
});

// The voice host's control connection and op 4 relay (docs/voice.md), behind VOICE_HOST_SECRET.
app.route('/voice-host', voiceHost);

app.use('/dev/*', developmentOnly());
app.route('/dev/echo/:tenant', devEcho);
app.route('/dev/discord/:tenant', devDiscord);
app.route('/dev/discord/:tenant/voice', devVoice);

app.notFound(jsonNotFound);
app.onError(jsonOnError);
