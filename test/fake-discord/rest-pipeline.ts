/**
 * One REST request through Discord's layers in order: route match, scripted faults, auth, global
 * limit, route bucket (and sublimit), spec validation, handler; then recording and invalid counting.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { DiscordState } from './discord-state.ts';
import { faultResponse } from './fault-responses.ts';
import type { FaultScript } from './fault-script.ts';
import type { GlobalRateLimit } from './global-rate-limit.ts';
import type { BotIdentity } from './message-factory.ts';
import type { BucketKey, RateLimitBuckets } from './rate-limit-buckets.ts';
import { validateRequest } from './request-validation.ts';
import type { GatewayInfo } from './rest-context.ts';
import type { FakeResponse } from './rest-responses.ts';
import { errors, rateLimited } from './rest-responses.ts';
import { REST_HANDLERS } from './rest-routes.ts';
import type { RouteMatch, RouteTable } from './route-table.ts';

/** The versioned prefix of every REST route. */
export const API_PREFIX = '/api/v10';

/** A request as read off the socket. */
export interface IncomingRestRequest {
  method: string;
  url: URL;
  /** Lower-cased names. */
  headers: Record<string, string>;
  body: string;
}

/** What the pipeline works with. */
export interface RestPipelineDeps {
  state: DiscordState;
  faults: FaultScript;
  buckets: RateLimitBuckets;
  global: GlobalRateLimit;
  routes: RouteTable;
  gateway: GatewayInfo;
  strictInteractions: boolean;
  /** Every answer waits this long after the request was counted. */
  responseDelayMs?: number;
}

type Auth = { kind: 'none' } | { kind: 'invalid' } | { kind: 'bot'; bot: BotIdentity };

/** Discord splits buckets by top-level resource: channel, guild, or webhook id + token. */
function majorParameter(params: Record<string, string>): string {
  if (params.channel_id !== undefined) return params.channel_id;
  if (params.guild_id !== undefined) return params.guild_id;
  if (params.webhook_id !== undefined) return `${params.webhook_id}:${params.webhook_token ?? ''}`;
  // Each interaction is answered once, so its callback gets a bucket of its own.
  if (params.interaction_id !== undefined) return params.interaction_id;
  return 'global';
}

/** PATCH /channels/{channel_id} touching name or topic draws on the rename sublimit. */
function isRename(operationId: string, body: unknown): boolean {
  if (operationId !== 'update_channel' || typeof body !== 'object' || body === null) return false;
  return 'name' in body || 'topic' in body;
}

function parseBody(raw: string): { ok: true; value: unknown } | { ok: false } {
  if (raw.length === 0) return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(raw) };
  } catch {
    return { ok: false };
  }
}

/** Answers REST requests like Discord and records each one. */
export class RestPipeline {
  readonly #d: RestPipelineDeps;
  responseDelayMs: number;

  constructor(deps: RestPipelineDeps) {
    this.#d = deps;
    this.responseDelayMs = deps.responseDelayMs ?? 0;
  }

  /** Answers one request under `/api/v10`. */
  async handle(req: IncomingRestRequest): Promise<FakeResponse> {
    const time = this.#d.state.now();
    const pathname = req.url.pathname;
    const path = pathname.startsWith(`${API_PREFIX}/`) ? pathname.slice(API_PREFIX.length) : pathname;
    const match: RouteMatch = pathname.startsWith(`${API_PREFIX}/`)
      ? this.#d.routes.match(req.method, path)
      : { kind: 'not-found' };
    const auth = this.#auth(req.headers.authorization);
    const response = await this.#respond(req, path, match, auth);
    const bot = auth.kind === 'bot' ? auth.bot.botUserId : null;
    const { authorization: _, ...headers } = req.headers;
    const parsed = parseBody(req.body);
    this.#d.state.log.record({
      method: req.method,
      path,
      query: Object.fromEntries(req.url.searchParams),
      route: match.kind === 'found' ? match.route.path : null,
      operationId: match.kind === 'found' ? match.route.operation_id : null,
      headers,
      body: parsed.ok ? (parsed.value ?? null) : req.body,
      bot,
      time,
      status: response.status,
    });
    this.#d.state.invalid.record(bot ?? 'anonymous', response.status, response.headers['X-RateLimit-Scope']);
    if (response.status === 429) this.#d.state.countRateLimited();
    // Counted at arrival above; the answer still takes Discord's handling time and the trip back.
    if (this.responseDelayMs > 0) await sleep(this.responseDelayMs);
    return response;
  }

  async #respond(
    req: IncomingRestRequest,
    path: string,
    match: RouteMatch,
    auth: Auth,
  ): Promise<FakeResponse> {
    if (match.kind === 'not-found') return errors.notFound();
    if (match.kind === 'method-not-allowed') return errors.methodNotAllowed();
    const { route, params } = match;
    const bot = auth.kind === 'bot' ? auth.bot : null;
    const key: BucketKey = {
      bot: bot?.botUserId ?? 'anonymous',
      operationId: route.operation_id,
      majorParameter: majorParameter(params),
    };
    const plan = this.#d.faults.take({
      method: req.method,
      path,
      template: route.path,
      operationId: route.operation_id,
    });
    if (plan.delayMs > 0) await sleep(plan.delayMs);
    if (plan.fault !== undefined)
      return faultResponse(plan.fault, this.#d.buckets.peek(key), this.#d.state.now());
    if (auth.kind === 'invalid' || (auth.kind === 'none' && route.auth === 'bot'))
      return errors.unauthorized();
    const body = parseBody(req.body);
    if (!body.ok) return errors.invalidJson();
    // Interaction and webhook-token routes are exempt from the bot's global limit.
    if (bot !== null && route.auth === 'bot') {
      const global = this.#d.global.take(bot.botUserId);
      if (!global.ok) {
        return rateLimited(global.retryAfterS, true, {
          'X-RateLimit-Global': 'true',
          'X-RateLimit-Scope': 'global',
        });
      }
    }
    const decision = this.#d.buckets.take({ ...key, sublimited: isRename(route.operation_id, body.value) });
    if (!decision.ok)
      return rateLimited(decision.retryAfterS, false, { ...decision.headers, 'X-RateLimit-Scope': 'user' });
    const withBucket = (r: FakeResponse): FakeResponse => ({
      ...r,
      headers: { ...decision.headers, ...r.headers },
    });
    const validation = validateRequest(route, params, req.url.searchParams, body.value);
    if (validation.errors !== null) return withBucket(errors.invalidFormBody(validation.errors));
    const handler = REST_HANDLERS[route.operation_id];
    if (handler === undefined) return withBucket(errors.notFound());
    const { state, gateway, strictInteractions } = this.#d;
    const ctx = {
      route,
      params,
      query: validation.query,
      body: body.value,
      bot,
      state,
      gateway,
      strictInteractions,
    };
    return withBucket(handler(ctx));
  }

  #auth(header: string | undefined): Auth {
    if (header === undefined) return { kind: 'none' };
    const token = /^Bot (.+)$/.exec(header)?.[1];
    const bot = token === undefined ? undefined : this.#d.state.botForToken(token);
    return bot === undefined ? { kind: 'invalid' } : { kind: 'bot', bot };
  }
}
