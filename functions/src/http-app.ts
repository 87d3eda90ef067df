/** The functions Worker's HTTP surface (Hono): health and metrics, interactions, admin; search and status join it. */

import { jsonNotFound, jsonOnError } from '@promethean/shared/platform/json-http-errors';
import { type Context, Hono, type Next } from 'hono';
import { apiKeyAdmin } from '../api/api-key-routes.ts';
import { createV1App } from '../api/v1-app.ts';
import { WorkerV1Backend } from '../api/worker-v1-backend.ts';
import { BridgeLimiter } from '../llm-gateway/bridge-limiter.ts';
import { meteredWorkerCore, ThrottledFlush } from '../llm-gateway/gateway-telemetry.ts';
import { connectGateway } from '../llm-gateway/gateway-upgrade.ts';
import { adminDeadLetters } from '../ops/dead-letter-routes.ts';
import { functionsOps } from '../ops/functions-ops.ts';
import { ledgerPort } from '../ops/ops-bindings.ts';
import { adminOps, countInvocations, opsRoutes } from '../ops/ops-routes.ts';
import { statusPageRoutes } from '../status-page/status-page-routes.ts';
import { adminAuth } from './middleware/admin-auth.ts';
import { loadShedding } from './middleware/load-shedding.ts';
import { refuseMisconfiguredStart } from './middleware/startup-refusal.ts';
import { adminBackfill } from './routes/admin-backfill.ts';
import { adminCrawl } from './routes/admin-crawl.ts';
import { adminMigrations } from './routes/admin-migrations.ts';
import { adminReembed } from './routes/admin-reembed.ts';
import { devIndex } from './routes/dev-index.ts';
import { devProxy } from './routes/dev-proxy.ts';
import { interactions } from './routes/interactions.ts';
import { commandAdmin } from './routes/interactions-admin.ts';
import { voiceHostProxy } from './routes/voice-host-proxy.ts';
import { voiceSegments } from './routes/voice-segments.ts';
import { webRoutes } from './routes/web-routes.ts';
import { workerWebPorts } from './routes/web-tenant-ports.ts';

/** Requests in flight per isolate before 503, and per client before 429 (the webhook is exempt). */
const HTTP_MAX_IN_FLIGHT = 64;
const HTTP_MAX_IN_FLIGHT_PER_CLIENT = 8;

/** The HTTP bridge's per-key admission in this isolate (docs/api/llm-gateway.md, "HTTP bridge"). */
const bridgeLimiter = new BridgeLimiter();

export const app = new Hono<{ Bindings: FunctionsEnv }>();

// Before every route: count the invocation, and shed load at once instead of queueing requests. The
// interactions webhook and the health probes are never shed (docs/operations.md, "Admission control").
// A credential bound to this tokenless Worker (or a weak ADMIN_TOKEN) stops everything, loudly.
app.use('*', refuseMisconfiguredStart());
app.use('*', countInvocations());
app.use(
  '*',
  loadShedding({
    maxInFlight: HTTP_MAX_IN_FLIGHT,
    maxInFlightPerClient: HTTP_MAX_IN_FLIGHT_PER_CLIENT,
    exempt: ['/interactions', '/health', '/ready', '/voice-host'],
  }),
);

app.route('/', opsRoutes);
app.route('/dev/index', devIndex);
app.route('/dev', devProxy);
app.route('/interactions', interactions);
// The voice host (docs/voice.md): segment ingest and playback blobs here, control and relay in the access layer.
app.route('/voice', voiceSegments);
app.route('/voice-host', voiceHostProxy);
app.route('/admin/commands', commandAdmin);
app.route('/admin', adminBackfill);
app.route('/admin', adminMigrations);
app.route('/admin', adminReembed);
app.route('/admin', adminCrawl);
app.route('/admin/dead-letters', adminDeadLetters);
app.route('/admin/api-keys', apiKeyAdmin);
app.route('/admin', adminOps);
app.route('/status', statusPageRoutes);
// The bridge's counters reach the ledger from HTTP-only isolates too: a throttled flush after each request.
const bridgeFlush = new ThrottledFlush(functionsOps);
app.use('/v1/chat/*', bridgeTelemetry);
app.use('/v1/embeddings', bridgeTelemetry);
async function bridgeTelemetry(c: Context<{ Bindings: FunctionsEnv }>, next: Next): Promise<void> {
  await next();
  const ops = functionsOps();
  ops.recorder.gateway.gauge(`functions:${ops.isolate}`, 0, bridgeLimiter.inFlight(), Date.now());
  const flushing = bridgeFlush.maybe(ledgerPort(c.env));
  if (!flushing) return;
  // In-process requests (tests, app.request) have no execution context; the flush then just runs.
  let ctx: typeof c.executionCtx | undefined;
  try {
    ctx = c.executionCtx;
  } catch {
    ctx = undefined;
  }
  if (ctx) ctx.waitUntil(flushing);
  else void flushing;
}
// The crawler's search for operators (ADMIN_TOKEN, any tenant); tenants use the key-scoped /v1/web operations.
app.route('/admin/web', webRoutes(adminAuth(), workerWebPorts));
// The public, key-scoped API (docs/api/v1.md); its backend is built per request from the bindings.
app.route(
  '/v1',
  createV1App((c) => new WorkerV1Backend(c.env as FunctionsEnv), {
    gateway: {
      coreOf: (c, principal) => meteredWorkerCore(c.env as FunctionsEnv, principal, functionsOps(), 'http'),
      limiter: bridgeLimiter,
      onDropped: (model) => functionsOps().recorder.gateway.dropped(model, 'http'),
      connect: (c, principal) => connectGateway(c.env as FunctionsEnv, c.req.raw, principal),
    },
  }),
);

app.notFound(jsonNotFound);
app.onError(jsonOnError);
