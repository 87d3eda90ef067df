/**
 * `startFakeDiscord`: Discord's REST API v10 and Gateway v10 on one local HTTP server, for
 * integration tests, benchmarks and local dev (see README.md beside this file).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DiscordState } from './discord-state.ts';
import type { GatewayOptions } from './fake-discord-gateway.ts';
import { FakeDiscordGateway } from './fake-discord-gateway.ts';
import { FakeVoiceServer, type FakeVoiceServerOptions } from './fake-voice-server.ts';
import { FaultScript } from './fault-script.ts';
import { DEFAULT_GLOBAL_LIMIT, GlobalRateLimit } from './global-rate-limit.ts';
import type { InspectionDeps } from './inspection-routes.ts';
import { handleInspection, INSPECTION_PREFIX } from './inspection-routes.ts';
import type { BotIdentity } from './message-factory.ts';
import type { BucketLimit, RouteRateLimit } from './rate-limit-buckets.ts';
import { DEFAULT_ROUTE_LIMITS, RateLimitBuckets } from './rate-limit-buckets.ts';
import { API_PREFIX, RestPipeline } from './rest-pipeline.ts';
import type { FakeResponse } from './rest-responses.ts';
import { errors } from './rest-responses.ts';
import { RouteTable } from './route-table.ts';
import { loadSpecFixture } from './spec-fixture.ts';

/** Rate-limit settings; anything left out keeps Discord's documented or observed value. */
export interface RateLimitOptions {
  /** Per operation id (e.g. `create_message: {limit: 5, windowMs: 5000}`), merged over the defaults. */
  routes?: Record<string, RouteRateLimit>;
  /** Routes without their own entry (default 5 per 5 s). */
  fallback?: BucketLimit;
  /** Default 50 per second per bot. */
  global?: BucketLimit;
  /** Renaming a channel or changing its topic: default 2 per 10 minutes per channel. */
  channelRenameSublimit?: BucketLimit;
}

/** Options of `startFakeDiscord`. */
export interface FakeDiscordOptions {
  /** Valid bot tokens (without the `Bot ` prefix) and whose they are. */
  tokens: Record<string, BotIdentity>;
  /** Clock for snowflakes, rate limits and windows (epoch ms); default `Date.now`. */
  now?: () => number;
  /** Makes ids, hashes and tokens differ between fakes while staying reproducible. */
  seed?: string | number;
  /** Default 0: an ephemeral port. The server always binds 127.0.0.1. */
  port?: number;
  rateLimits?: RateLimitOptions;
  gateway?: GatewayOptions;
  /** Answer callbacks for unregistered interactions with 10062 instead of registering them. */
  strictInteractions?: boolean;
  /**
   * Start the fake voice server (`test/fake-discord/fake-voice-server.ts`) and point VOICE_SERVER_UPDATE at it
   * (`true` for the defaults). Without it, voice joins get an endpoint where nothing listens.
   */
  voice?: FakeVoiceServerOptions | true;
  /**
   * Answer every REST request this long after it was counted (Discord counts at arrival, then
   * handles it and the answer travels back). Default 0; `setResponseDelay` changes it.
   */
  responseDelayMs?: number;
}

/** A running fake. */
export interface FakeDiscord {
  /** e.g. `http://127.0.0.1:PORT/api/v10` */
  restUrl: string;
  /** e.g. `ws://127.0.0.1:PORT/gateway` (also what GET /gateway/bot answers) */
  gatewayUrl: string;
  /** e.g. `http://127.0.0.1:PORT` (inspection routes live under `/__fake`) */
  baseUrl: string;
  port: number;
  state: DiscordState;
  faults: FaultScript;
  gateway: FakeDiscordGateway;
  /** The voice server, when started with `voice` (its `ca.caPath` is what a client process must trust). */
  voice: FakeVoiceServer | null;
  /** Clears state, rate-limit windows and faults (not gateway sessions). */
  reset(): void;
  /** From now on, answer REST requests `ms` after counting them. */
  setResponseDelay(ms: number): void;
  stop(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function write(res: ServerResponse, response: FakeResponse): void {
  res.writeHead(response.status, response.headers);
  res.end(response.body);
}

function headersOf(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** The HTTP listener: `/__fake/*` to the inspection routes, everything else through the REST pipeline. */
function listener(pipeline: RestPipeline, inspection: InspectionDeps) {
  return function fakeDiscordListener(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    readBody(req)
      .then(async (body) => {
        if (url.pathname.startsWith(`${INSPECTION_PREFIX}/`))
          return handleInspection(method, url, body, inspection);
        return pipeline.handle({ method, url, headers: headersOf(req), body });
      })
      .catch((error: unknown) => {
        console.error('fake-discord: request failed', error);
        return errors.serverError();
      })
      .then((response) => write(res, response));
  };
}

/** Starts the fake on 127.0.0.1 and resolves once it is listening. */
export async function startFakeDiscord(options: FakeDiscordOptions): Promise<FakeDiscord> {
  const now = options.now ?? Date.now;
  const seed = String(options.seed ?? 'fake-discord');
  const limits = options.rateLimits ?? {};
  const state = new DiscordState(now, seed, options.tokens);
  const faults = new FaultScript();
  const buckets = new RateLimitBuckets(now, seed, {
    routes: { ...DEFAULT_ROUTE_LIMITS, ...limits.routes },
    fallback: limits.fallback ?? { limit: 5, windowMs: 5_000 },
    channelRenameSublimit: limits.channelRenameSublimit ?? { limit: 2, windowMs: 600_000 },
  });
  const global = new GlobalRateLimit(now, limits.global ?? DEFAULT_GLOBAL_LIMIT);
  // The port is known only once listening; the gateway and REST read these URLs lazily.
  const urls = { base: '', gateway: '' };
  const voice =
    options.voice === undefined
      ? null
      : await FakeVoiceServer.start({
          seed: `${seed}:voice`,
          ...(options.voice === true ? {} : options.voice),
        });
  const gateway = new FakeDiscordGateway(
    state,
    now,
    seed,
    () => urls.base.replace(/^http/, 'ws'),
    voice === null
      ? options.gateway
      : { voiceEndpoint: voice.endpoint, ...options.gateway, voiceServer: voice },
  );
  const pipeline = new RestPipeline({
    state,
    faults,
    buckets,
    global,
    routes: new RouteTable(loadSpecFixture().routes),
    gateway: {
      get url() {
        return urls.gateway;
      },
      sessionStartLimit: (botUserId) => gateway.sessionStartLimit(botUserId),
    },
    strictInteractions: options.strictInteractions ?? false,
    responseDelayMs: options.responseDelayMs ?? 0,
  });
  const reset = () => {
    state.reset();
    buckets.reset();
    global.reset();
    faults.clear();
  };

  const server = createServer(listener(pipeline, { state, faults, gateway, reset }));
  server.on('upgrade', (req, socket, head) => {
    if (!gateway.handleUpgrade(req, socket, head)) socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  urls.base = `http://127.0.0.1:${port}`;
  urls.gateway = `ws://127.0.0.1:${port}/gateway`;

  return {
    restUrl: `${urls.base}${API_PREFIX}`,
    gatewayUrl: urls.gateway,
    baseUrl: urls.base,
    port,
    state,
    faults,
    gateway,
    voice,
    reset,
    setResponseDelay(ms) {
      pipeline.responseDelayMs = ms;
    },
    async stop() {
      await gateway.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await voice?.stop();
    },
  };
}
