/**
 * Tools generated from the real `/v1` OpenAPI document, called through the generated client against the
 * `/v1` app (in-memory backend): every operation becomes a tool, arguments are validated before any call,
 * calls carry the caller's key and so its tenant scope, and failures come back as short, readable errors.
 */
import { buildToolCatalog } from '@promethean/shared/openapi-tools/tool-catalog';
import { ToolClient } from '@promethean/shared/openapi-tools/tool-client';
import { Hono } from 'hono';
import { beforeAll, describe, expect, it } from 'vitest';
import { createV1App, v1Document } from '../../functions/api/v1-app.ts';
import { MemoryV1Backend, seededMessage } from './memory-v1-backend.ts';
import { memoryWebPages } from './memory-web-pages.ts';

const backend = new MemoryV1Backend();
const app = createV1App(() => backend);
const catalog = buildToolCatalog(v1Document(app));
// Mounted at /v1 as the Worker mounts it, so the document's server URL is the real one.
const root = new Hono().route('/v1', app);
const viaApp = (r: Request) => Promise.resolve(root.fetch(r));
let demoKey = '';
let gooseKey = '';

beforeAll(async () => {
  demoKey = await backend.addKey({ provider: 'echo', tenant: 'demo' });
  gooseKey = await backend.addKey({ provider: 'discord', tenant: 'goose' });
  backend.addMessages({ provider: 'echo', tenant: 'demo' }, [
    seededMessage('1', 'general', 'the hypotenuse squared equals the sum of the squares'),
    seededMessage('2', 'random', 'lunch at noon'),
  ]);
  backend.addJob(
    { provider: 'echo', tenant: 'demo' },
    {
      job_id: 'j1',
      channel_id: 'general',
      state: 'running',
      pages: 1,
      fetched: 100,
      upserted: 100,
      started_at: '2026-11-20T09:00:00.000Z',
    },
  );
});

function client(apiKey: string, extra: Partial<ConstructorParameters<typeof ToolClient>[1]> = {}) {
  return new ToolClient(catalog, { baseUrl: 'http://edge.test/v1', apiKey, fetch: viaApp, ...extra });
}

describe('the /v1 tool catalog', () => {
  it('has one documented tool per operation and skips none', () => {
    expect(catalog.skipped).toEqual([]);
    expect(catalog.tools.map((t) => t.function.name).sort()).toEqual([
      'get_backfill_job',
      'get_message',
      'get_tenant_status',
      'get_web_page',
      'list_channels',
      'search_messages',
      'search_web',
    ]);
    const search = catalog.tools.find((t) => t.function.name === 'search_messages')!;
    expect(search.function.description).toMatch(/^Search indexed chat messages by meaning/);
    expect(search.function.parameters).toMatchObject({
      type: 'object',
      required: ['q'],
      properties: {
        q: { type: 'string' },
        limit: { type: 'integer', maximum: 20 },
        channel_id: { type: 'string' },
      },
      additionalProperties: false,
    });
  });
});

describe('the generated client against /v1', () => {
  it('calls search_messages with the caller key and returns the JSON result', async () => {
    const result = await client(demoKey).invoke({
      name: 'search_messages',
      arguments: '{"q":"hypotenuse squares","limit":2}',
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const body = JSON.parse(result.content) as { hits: Array<{ message_id: string }> };
    expect(body.hits.map((h) => h.message_id)).toEqual(['1']);
    expect(backend.calls.at(-1)).toEqual({
      op: 'searchMessages',
      tenant: 'echo/demo',
      arg: 'hypotenuse squares',
    });
  });

  it('fills path parameters', async () => {
    const msg = await client(demoKey).invoke({ name: 'get_message', arguments: { message_id: '2' } });
    expect(msg.ok && JSON.parse(msg.content)).toMatchObject({ message_id: '2', content: 'lunch at noon' });
    const job = await client(demoKey).invoke({ name: 'get_backfill_job', arguments: { job_id: 'j1' } });
    expect(job.ok && JSON.parse(job.content)).toMatchObject({ state: 'running', fetched: 100 });
  });

  it('keeps the caller tenant: another tenant key finds nothing of echo/demo', async () => {
    const result = await client(gooseKey).invoke({ name: 'get_message', arguments: { message_id: '1' } });
    expect(result).toMatchObject({ ok: false, status: 404 });
    expect(!result.ok && result.error).toContain('not_found');
    expect(backend.calls.at(-1)).toMatchObject({ tenant: 'discord/goose' });
  });

  it('refuses invalid arguments before making any call', async () => {
    const before = backend.calls.length;
    const result = await client(demoKey).invoke({ name: 'search_messages', arguments: { limit: 500 } });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatch(/^invalid arguments: .*q/);
    expect(backend.calls.length).toBe(before);
    const unknown = await client(demoKey).invoke({ name: 'drop_tables', arguments: {} });
    expect(!unknown.ok && unknown.error).toContain('unknown tool drop_tables; use one of: search_messages');
  });

  it('turns a bad key and an unavailable store into short errors', async () => {
    const bad = await client('pe_0000000000000000_nope').invoke({ name: 'list_channels', arguments: {} });
    expect(bad).toMatchObject({ ok: false, status: 401 });
    expect(!bad.ok && bad.error).toBe('HTTP 401 unauthorized: the API key is unknown or revoked');
  });

  it('bounds the result size and the time a call may take', async () => {
    const capped = await client(demoKey, { maxResultBytes: 40 }).invoke({
      name: 'get_tenant_status',
      arguments: {},
    });
    expect(capped).toMatchObject({ ok: true, truncated: true });
    expect(capped.ok && new TextEncoder().encode(capped.content).byteLength).toBeLessThanOrEqual(40);

    const never = (r: Request) =>
      new Promise<Response>((_resolve, reject) =>
        r.signal.addEventListener('abort', () => reject(r.signal.reason)),
      );
    const slow = await client(demoKey, { fetch: never, timeoutMs: 30 }).invoke({
      name: 'list_channels',
      arguments: {},
    });
    expect(slow).toEqual({ ok: false, name: 'list_channels', error: 'the tool did not answer within 30 ms' });

    const abort = new AbortController();
    const pending = client(demoKey, { fetch: never }).invoke(
      { name: 'list_channels', arguments: {} },
      abort.signal,
    );
    abort.abort();
    expect(await pending).toEqual({ ok: false, name: 'list_channels', error: 'the call was cancelled' });
  });
});

describe('the /v1 web operations', () => {
  let ids: string[] = [];
  beforeAll(async () => {
    const web = await memoryWebPages({ provider: 'echo', tenant: 'demo' }, [
      { url: 'https://a.test/ducks', title: 'Ducks', summary: 'Ducks swim on the pond.', tags: ['#ducks'] },
      {
        url: 'https://b.test/geese',
        title: 'Geese',
        summary: 'Geese fly south in winter.',
        tags: ['#geese'],
      },
    ]);
    backend.setWeb({ provider: 'echo', tenant: 'demo' }, web.ports);
    ids = web.ids;
  });

  const get = (path: string, key: string) =>
    root.request(`/v1${path}`, { headers: { authorization: `Bearer ${key}` } });

  it("searches the key's own tenant's crawled pages, filtered by tag and domain", async () => {
    const res = await get('/web/search?q=birds%20on%20water&tags=%23ducks&k=5', demoKey);
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      results: Array<{ url: string; distance: number }>;
      offline: boolean;
    };
    expect(body.results.map((r) => r.url)).toEqual(['https://a.test/ducks']);
    const byDomain = (await (await get('/web/search?q=birds&domain=b.test', demoKey)).json()) as {
      results: Array<{ url: string }>;
    };
    expect(byDomain.results.map((r) => r.url)).toEqual(['https://b.test/geese']);
  });

  it('reads a page with its edges; another tenant, a bad id and a missing page are refused', async () => {
    const page = (await (await get(`/web/pages/${ids[0]}`, demoKey)).json()) as {
      page: { title: string };
      out_edges: Array<{ url: string }>;
    };
    expect(page.page.title).toBe('Ducks');
    expect(page.out_edges.map((e) => e.url)).toEqual(['https://b.test/geese']);
    // The goose tenant has no crawled pages: its key cannot reach echo/demo's.
    const other = await get(`/web/pages/${ids[0]}`, gooseKey);
    expect(other.status).toBe(503);
    expect(((await other.json()) as { error: { code: string } }).error.code).toBe('unavailable');
    expect((await get('/web/pages/not-a-page', demoKey)).status).toBe(400);
    expect((await get(`/web/pages/p${'0'.repeat(32)}`, demoKey)).status).toBe(404);
    expect((await get('/web/search?q=x', 'pe_bad')).status).toBe(401);
  });

  it('calls search_web through the generated client', async () => {
    const r = await client(demoKey).invoke({ name: 'search_web', arguments: { q: 'geese', k: 1 } });
    expect(r.ok && (JSON.parse(r.content) as { results: unknown[] }).results).toHaveLength(1);
  });
});
