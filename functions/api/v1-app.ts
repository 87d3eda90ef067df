/**
 * The `/v1` API (@hono/zod-openapi): tenant-scoped reads behind per-tenant API keys, its OpenAPI 3.1 document
 * at `/v1/openapi.json` and a reference page at `/v1/docs`. Independent of Worker bindings: it reaches the
 * platform only through a `V1Backend`, so the same app runs in workerd and in Node tests.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import { type ComponentScope, componentTelemetry } from '@promethean/shared/agent/telemetry';
import { CatalogCache, type HashedCatalog } from '@promethean/shared/openapi-tools/catalog-cache';
import { ToolClient } from '@promethean/shared/openapi-tools/tool-client';
import { type Context, Hono, type MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { requestId } from 'hono/request-id';
import type { BridgeLimiter } from '../llm-gateway/bridge-limiter.ts';
import type { GatewayCore } from '../llm-gateway/gateway-core.ts';
import { openAiBridge } from '../llm-gateway/openai-bridge.ts';
import { type ApiKeyRecord, apiKeyId, hashApiKey, scopeAllowsChannel } from './api-key-format.ts';
import { apiReferencePage } from './api-reference-page.ts';
import { handleMcp } from './mcp-server.ts';
import type { TenantRef, V1Backend } from './v1-backend.ts';
import { V1BackendError } from './v1-backend.ts';
import { errorBody, errorResponse, requestIdOf, V1Error } from './v1-errors.ts';
import {
  backfillJobRoute,
  getMessageRoute,
  getWebPageRoute,
  listChannelsRoute,
  searchMessagesRoute,
  searchWebRoute,
  tenantStatusRoute,
} from './v1-routes.ts';
import type { Channel } from './v1-schemas.ts';

/** The platform's tool catalog: the document is code, so one per isolate, rebuilt only if it changes. */
const platformCatalogs = new CatalogCache();
let platformDocumentOnce: V1Document | undefined;

export type V1Env = { Variables: { requestId: string; principal: ApiKeyRecord } };

/** How many newest messages listChannels groups; the schema's descriptions say the same number. */
export const CHANNEL_SAMPLE = 1_000;
/** What a channel-narrowed search asks the index for before filtering (the route's own maximum). */
const SCOPED_SEARCH_K = 20;

export const V1_INFO = {
  openapi: '3.1.0',
  info: {
    title: 'Promethean Edge API',
    version: '1.0.0',
    description:
      "Read a tenant's indexed chat: search messages by meaning, read messages, list channels, follow " +
      'backfill jobs and the tenant status, and search the web pages it crawled. Every call is scoped to the tenant of its API key.',
    contact: { name: 'Promethean Edge operators', url: 'https://github.com/promethean-edge' },
  },
  tags: [
    { name: 'messages', description: 'Indexed chat messages.' },
    { name: 'channels', description: 'Channels with indexed messages.' },
    { name: 'jobs', description: 'Background jobs such as history backfills.' },
    { name: 'tenant', description: 'The tenant the API key belongs to.' },
    { name: 'web', description: 'Web pages the crawler fetched from links shared in chat.' },
  ],
  servers: [{ url: '/v1' }],
};

function tenantOf(principal: ApiKeyRecord): TenantRef {
  return { provider: principal.provider, tenant: principal.tenant };
}

const bearerKey = (backendOf: (c: Context) => V1Backend): MiddlewareHandler<V1Env> =>
  async function bearerKey(c, next) {
    const presented = c.req.header('authorization')?.match(/^Bearer\s+(\S+)$/i)?.[1];
    const challenge = { 'WWW-Authenticate': 'Bearer realm="promethean-v1"' };
    if (presented === undefined)
      throw new V1Error('unauthorized', 'an API key is required (Authorization: Bearer <key>)', challenge);
    // A malformed key is refused without a lookup: nothing to hash against the table.
    const record =
      apiKeyId(presented) === undefined
        ? undefined
        : await backendOf(c).lookupKey(await hashApiKey(presented));
    if (!record) throw new V1Error('unauthorized', 'the API key is unknown or revoked', challenge);
    c.set('principal', record);
    await next();
  };

/** The LLM gateway's HTTP bridge, when the deployment serves it (functions/llm-gateway/openai-bridge.ts). */
export interface V1GatewayOptions {
  coreOf: (c: Context, principal: ApiKeyRecord) => GatewayCore | Promise<GatewayCore>;
  limiter: BridgeLimiter;
  /** Told of each bridge request refused over a limit (the `dropped` metric). */
  onDropped?: (model: string) => void;
  /** Hands a WebSocket upgrade on `GET /v1/llm/ws` to the gateway Durable Object. */
  connect?: (c: Context, principal: ApiKeyRecord) => Promise<Response>;
}

/** Builds the `/v1` app over a backend chosen per request (the Worker's comes from its bindings). */
export function createV1App(
  backendOf: (c: Context) => V1Backend,
  options: {
    gateway?: V1GatewayOptions;
    /**
     * Serve every request as this key, without a bearer check: only for the in-process app the gateway's
     * tool calls use, which already authenticated its caller. Never mounted on a public route.
     */
    actingAs?: ApiKeyRecord;
  } = {},
): OpenAPIHono<V1Env> {
  const v1 = new OpenAPIHono<V1Env>({
    defaultHook: (result, c) => {
      if (!result.success) {
        const detail = result.error.issues
          .map((i) => `${i.path.join('.') || 'request'}: ${i.message}`)
          .join('; ');
        return c.json(errorBody(c, 'invalid_request', detail), 400);
      }
      return undefined;
    },
  });
  v1.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'A per-tenant API key (pe_...), created by an operator with POST /admin/api-keys.',
  });
  v1.use('*', requestId());

  // Public: the description of the API itself. Registered before the key check so it needs no key.
  v1.get('/openapi.json', (c) => c.json(platformDocument()));
  v1.get('/docs', (c) => c.html(apiReferencePage(platformDocument())));
  const actingAs = options.actingAs;
  if (actingAs) {
    v1.use('*', async function actAs(c, next) {
      c.set('principal', actingAs);
      await next();
    });
  } else v1.use('*', bearerKey(backendOf));

  v1.openapi(searchMessagesRoute, async (c) => {
    const principal = c.get('principal');
    const { q, limit, channel_id } = c.req.valid('query');
    if (channel_id !== undefined && !scopeAllowsChannel(principal, channel_id))
      throw new V1Error('forbidden', `channel ${channel_id} is outside what this API key may see`);
    const narrowed = channel_id !== undefined || principal.channels !== undefined;
    const found = await backendOf(c).searchMessages(
      tenantOf(principal),
      q,
      narrowed ? SCOPED_SEARCH_K : limit,
    );
    if (found.kind === 'unavailable') throw new V1Error('unavailable', found.message);
    const hits = found.hits
      .filter((h) => scopeAllowsChannel(principal, h.channel_id))
      .filter((h) => channel_id === undefined || h.channel_id === channel_id)
      .slice(0, limit);
    return c.json({ query: q, model: found.model, offline: found.offline, hits }, 200);
  });

  v1.openapi(getMessageRoute, async (c) => {
    const principal = c.get('principal');
    const { message_id } = c.req.valid('param');
    const message = await backendOf(c).getMessage(tenantOf(principal), message_id);
    // Out of scope answers exactly like absent: a key must not learn which ids exist elsewhere.
    if (!message || !scopeAllowsChannel(principal, message.channel_id))
      throw new V1Error('not_found', `no message ${message_id} is visible to this API key`);
    return c.json(message, 200);
  });

  v1.openapi(listChannelsRoute, async (c) => {
    const principal = c.get('principal');
    const recent = await backendOf(c).recentMessages(tenantOf(principal), CHANNEL_SAMPLE);
    const byChannel = new Map<string, Channel>();
    for (const m of recent) {
      if (!scopeAllowsChannel(principal, m.channel_id)) continue;
      const entry = byChannel.get(m.channel_id) ?? { channel_id: m.channel_id, messages: 0 };
      entry.messages += 1;
      if (m.created_at !== undefined && (entry.last_message_at ?? '') < m.created_at)
        entry.last_message_at = m.created_at;
      byChannel.set(m.channel_id, entry);
    }
    const channels = [...byChannel.values()].sort(
      (a, b) => b.messages - a.messages || a.channel_id.localeCompare(b.channel_id),
    );
    return c.json({ channels, sampled_messages: recent.length }, 200);
  });

  v1.openapi(backfillJobRoute, async (c) => {
    const principal = c.get('principal');
    const { job_id } = c.req.valid('param');
    const job = await backendOf(c).backfillJob(tenantOf(principal), job_id);
    if (!job || !scopeAllowsChannel(principal, job.channel_id))
      throw new V1Error('not_found', `no backfill job ${job_id} is visible to this API key`);
    return c.json(job, 200);
  });

  v1.openapi(tenantStatusRoute, async (c) => {
    const principal = c.get('principal');
    const status = await backendOf(c).tenantStatus(tenantOf(principal));
    return c.json({ ...status, ...(principal.channels && { channel_scope: principal.channels }) }, 200);
  });

  // Crawled web pages belong to the tenant, not to a channel: a channel-narrowed key sees them too.
  v1.openapi(searchWebRoute, async (c) => {
    const principal = c.get('principal');
    const results = await backendOf(c).searchWeb(tenantOf(principal), c.req.valid('query'));
    return c.json(results, 200);
  });

  v1.openapi(getWebPageRoute, async (c) => {
    const principal = c.get('principal');
    const { page_id } = c.req.valid('param');
    const found = await backendOf(c).webPage(tenantOf(principal), page_id);
    if (!found) throw new V1Error('not_found', `no crawled page ${page_id} for this tenant`);
    return c.json(found, 200);
  });

  const gateway = options.gateway;
  const connect = gateway?.connect;
  if (connect) v1.get('/llm/ws', (c) => connect(c, c.get('principal')));
  if (gateway) {
    // Not OpenAPI operations on purpose: a chat completion must never become a tool of itself.
    v1.route(
      '/',
      openAiBridge({
        coreOf: (c) => gateway.coreOf(c, (c as Context<V1Env>).get('principal')),
        keyOf: (c) => (c as Context<V1Env>).get('principal').key_id,
        scopeOf: (c) => principalScope(c as Context<V1Env>),
        limiter: gateway.limiter,
        ...(gateway.onDropped && { onDropped: gateway.onDropped }),
      }),
    );
  }

  // The same catalog as an MCP server; its tools call this app in-process as the caller's key.
  v1.all('/mcp', async (c) => {
    const principal = c.get('principal');
    const self = createV1App(backendOf, { actingAs: principal });
    const root = new Hono().route('/v1', self);
    const catalog = await platformToolCatalog();
    const client = new ToolClient(catalog, {
      baseUrl: 'http://in-process.invalid/v1',
      fetch: async (r) => await root.fetch(r, c.env),
    });
    return handleMcp(c.req.raw, catalog, client);
  });

  v1.all('*', (c) =>
    errorResponse(c, new V1Error('not_found', `no /v1 operation ${c.req.method} ${c.req.path}`)),
  );
  v1.onError((err, c) => {
    if (err instanceof V1Error) return errorResponse(c, err);
    if (err instanceof V1BackendError) return errorResponse(c, new V1Error(err.code, err.message));
    if (err instanceof HTTPException && err.status === 429)
      return errorResponse(c, new V1Error('rate_limited', err.message, retryAfterOf(err)));
    if (err instanceof HTTPException && err.status < 500)
      return errorResponse(c, new V1Error('invalid_request', err.message));
    componentTelemetry('v1-api', principalScope(c)).error('v1 request failed', {
      request_id: requestIdOf(c),
      path: c.req.path,
      error: String(err),
    });
    return errorResponse(
      c,
      new V1Error('internal', 'the request failed; quote the request id to an operator'),
    );
  });
  return v1;
}

/** The caller's tenant once the key check has run, for log lines (never the key). */
/** The caller's provider and tenant once its key was checked; none before. */
function principalScope(c: Context<V1Env>): ComponentScope {
  const p = c.get('principal') as ApiKeyRecord | undefined;
  return p ? { provider: p.provider, tenant: p.tenant } : {};
}

function retryAfterOf(err: HTTPException): Record<string, string> {
  const value = err.res?.headers.get('retry-after');
  return value ? { 'Retry-After': value } : {};
}

export type V1Document = ReturnType<OpenAPIHono['getOpenAPI31Document']>;

/** The OpenAPI 3.1 document of a `/v1` app. */
export function v1Document(v1: OpenAPIHono<V1Env>): V1Document {
  return v1.getOpenAPI31Document(V1_INFO);
}

/**
 * The document every `/v1` app serves, generated once per isolate: the operations are code and no option of
 * `createV1App` changes them, while generating the document from the zod schemas costs ~10 ms.
 */
export function platformDocument(): V1Document {
  platformDocumentOnce ??= v1Document(
    createV1App(() => {
      throw new Error('the document needs no backend');
    }),
  );
  return platformDocumentOnce;
}

/** The tool catalog of `platformDocument()`, built and hashed once per isolate. */
export function platformToolCatalog(): Promise<HashedCatalog> {
  return platformCatalogs.catalogFor(platformDocument());
}
